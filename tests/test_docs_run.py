"""The examples of the user pages, run as written: every fenced bash and python block of
README.md and docs/*.md, the commands of each --help's "Examples:", and the docstrings'
`>>>` examples.

They run against small stand-ins, in a folder that holds what the pages assume
(`outputs/demo/run` and `module` as the demo leaves them, `my_images/`, `dog.jpg`,
`modules/biggan-deep-128`), with:
  * the short names served by a loopback server as TF-Hub serves them: generators of the
    official architectures at a few channels (the converter's pages get full-size official
    stand-ins, which it needs), and an Inception stand-in;
  * `gs://` read as `ram://`, TensorFlow's in-memory file system;
  * `imagenet2012` from `tfds.testing.mock_data`;
  * long work scaled down: the flags in `SMALLER` are capped (and added when absent);
  * `tfbiggan-explore` run up to serving its page (tests/test_explorer.py drives a served one);
  * `tensorboard --logdir D` checked as the event files it would show.
Each page runs in a fresh copy of that folder, its blocks in order and its python blocks in
one namespace, as a reader would run them. A block that cannot run here carries a marker
(`doc_blocks.MARKER`); `test_the_blocks_not_run_are_few_and_say_why` lists them.
"""

import contextlib
import doctest
import glob
import importlib
import io
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import time
import uuid

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from PIL import Image

import tfbiggan
from tfbiggan import files
from tfbiggan.configs.config import OFFICIAL_TRUNCATION_GRID
from tfbiggan.metrics.classifier import digits_classifier_entry
from tfbiggan.modules.cache import DESCRIPTOR_SUFFIX
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.exporter import export_generator
from command_runner import run_in_process
from doc_blocks import PAGES, ROOT, bash_commands, help_examples, page_blocks
from hub_server import HubServer
from official_standin import inception_standin_tarball, write_random_official_module
from train_utils import write_image_folder

COMMANDS = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "tfbiggan",
                                                                            "cli", "*.py"))
                  if not os.path.basename(p).startswith(("_", "common")))
# tfbiggan-<name> -> tfbiggan.cli.<module>
_COMMAND_MODULES = {"eval": "evaluate"}
# Flags capped at these values (added when absent), so that each example runs in seconds.
SMALLER = {
    "train": {"steps": 2, "batch_size": 8, "eval_samples": 20, "standing_stats_batches": 1},
    "export": {"standing_stats_batches": 1, "standing_stats_batch_size": 4},
    "convert": {"standing_stats_batches": 1, "standing_stats_batch_size": 4},
    "eval": {"num_samples": 20, "reference_samples": 20, "batch_size": 10, "num_splits": 2},
    "project": {"steps": 2},
    "demo": {"steps": 2},
}
# Flags capped at these values when given.
CAPPED = {"train": {"eval_every": 2}}
# The converter reads official modules only: these sources convert the full-size stand-in
# in downloads/, and on the page that converts them by name the names serve it too.
OFFICIAL_SOURCES = ("docs/converting.md", "tfbiggan/cli/convert.py")
OFFICIAL_BY_NAME = ("docs/converting.md",)
# The short names' stand-in: a small biggan (32 px, three blocks) with the official modules'
# interface (dim_z 128, the 1,000 ImageNet classes and their names, 51 truncations), so that
# every example written for them runs in seconds. The converter's pages get full-size official
# stand-ins, which it needs.
SMALL_STANDIN = dict(num_classes=1000, dim_z=128, truncation_grid=OFFICIAL_TRUNCATION_GRID)
HUB_PATHS = {"biggan-deep-128": "deepmind/biggan-deep-128/1",
             "biggan-deep-256": "deepmind/biggan-deep-256/1",
             "inception": "tensorflow/tfgan/eval/inception/1"}


def _tarball(folder):
  buffer = io.BytesIO()
  with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
    archive.add(str(folder), arcname=".")
  return buffer.getvalue()


def _small_module(folder):
  """The short names' stand-in module, its 51 truncations' statistics baked."""
  generator = tfbiggan.Generator(tfbiggan.get_config("digits-32", **SMALL_STANDIN))
  bake_truncation_statistics(generator, num_batches=1, batch_size=2)
  return export_generator(generator, str(folder))


def _with_digits_judge(cache):
  """`cache` (a module cache folder) holding the digits judge, trained at most once in the
  current cache ($TFHUB_CACHE_DIR) and copied: each world's cache would otherwise train it
  anew (about 25 s)."""
  entry = digits_classifier_entry()
  os.makedirs(cache, exist_ok=True)
  shutil.copytree(entry, os.path.join(cache, os.path.basename(entry)))
  shutil.copy(entry + DESCRIPTOR_SUFFIX, str(cache))
  return cache


@pytest.fixture(scope="module")
def base(tmp_path_factory):
  """(folder, {hub path: tarball}, module cache) of what every page may assume."""
  root = tmp_path_factory.mktemp("world")
  cache = _with_digits_judge(tmp_path_factory.mktemp("docs_cache"))
  with pytest.MonkeyPatch.context() as patch:
    patch.setenv("TFHUB_CACHE_DIR", str(cache))
    yield root, _write_base(root, tmp_path_factory), cache


def _write_base(root, tmp_path_factory):
  standin = _tarball(_small_module(root / "modules" / "biggan-deep-128"))
  tarballs = {HUB_PATHS["biggan-deep-128"]: standin, HUB_PATHS["biggan-deep-256"]: standin,
              HUB_PATHS["inception"]: inception_standin_tarball(
                  tmp_path_factory.mktemp("inception") / "module")}
  run = root / "outputs" / "demo" / "run"
  _check(run_in_process("train", "--config=digits-32", f"--model_dir={run}",
                        *_smaller("train", [])))
  _check(run_in_process("export", f"--model_dir={run}",
                        f"--output={root / 'outputs' / 'demo' / 'module'}",
                        *_smaller("export", [])))
  write_image_folder(str(root / "my_images"))
  rng = np.random.default_rng(0)
  photo = Image.fromarray(rng.integers(0, 255, (160, 200, 3), dtype=np.uint8))
  photo.save(root / "dog.jpg")
  photo.resize((32, 32)).save(root / "my_seven.png")
  return tarballs


@pytest.fixture(scope="module")
def official(tmp_path_factory):
  """{hub path: tarball} and the folder of a full-size biggan-deep-128 official stand-in."""
  folder = tmp_path_factory.mktemp("downloads") / "biggan-deep-128_1"
  write_random_official_module(str(folder), "biggan-deep-128", seed=1)
  return {HUB_PATHS["biggan-deep-128"]: _tarball(folder)}, folder


def _check(result):
  assert result.returncode == 0, result.stderr[-4000:]
  return result


def _smaller(command, argv):
  """argv with SMALLER's flags of `command` capped (and added when absent)."""
  argv, given = list(argv), {}
  for i, arg in enumerate(argv):
    match = re.fullmatch(r"--(\w+)=(.*)", arg)
    if match:
      given[match.group(1)] = i
  for flag, cap in {**SMALLER.get(command, {}), **CAPPED.get(command, {})}.items():
    if flag in given:
      value = argv[given[flag]].split("=", 1)[1]
      argv[given[flag]] = f"--{flag}={min(int(value), cap)}"
    elif flag in SMALLER.get(command, {}):
      argv.append(f"--{flag}={cap}")
  return argv


def _tfbiggan(argv, cwd):
  command = argv[0][len("tfbiggan-"):]
  # A bucket of this world's own: ram:// is one file system for the whole process.
  args = [arg.replace("gs://", f"ram://{os.path.basename(cwd)}-") for arg in argv[1:]]
  args = _smaller(command, args)
  mock = (tfds.testing.mock_data(num_examples=20) if any("imagenet2012" in a for a in args)
          else contextlib.nullcontext())
  if command == "explore":  # Up to serving the page: the module loaded, the app built.
    served = []
    launch = lambda app, port: served.append((app, port))  # noqa: E731
    with pytest.MonkeyPatch.context() as patch:
      patch.setattr("tfbiggan.explorer_app.launch", launch)
      # Its background warm-up (directions, projection tracing) is tests/test_explorer.py's.
      patch.setattr("tfbiggan.explorer.Explorer._warm_up", lambda self: None)
      _check(run_in_process(command, *args, cwd=cwd))
    assert len(served) == 1
    return
  with mock:
    _check(run_in_process(_COMMAND_MODULES.get(command, command), *args,
                          command=argv[0], cwd=cwd))


def _tensorboard(argv, cwd):
  """What `tensorboard --logdir D` shows: D must hold TensorBoard event files."""
  logdir = os.path.join(cwd, argv[argv.index("--logdir") + 1])
  assert glob.glob(os.path.join(logdir, "**", "events.out.tfevents.*"), recursive=True), logdir


_SHELL_OPERATORS = ("&&", "||", "|", ";")


def _run_bash(block, cwd, hub_url):
  for argv, not_run in bash_commands(block.code):
    if not_run is not None:
      continue
    start = time.perf_counter()
    if argv[0].startswith("tfbiggan-"):
      _tfbiggan(argv, cwd)
    elif argv[0] == "tensorboard":
      _tensorboard(argv, cwd)
    else:  # A shell line (curl, tar, mkdir): the real network is the loopback server.
      line = " ".join(a if a in _SHELL_OPERATORS else shlex.quote(a) for a in argv)
      line = line.replace("https://tfhub.dev", hub_url)
      result = subprocess.run(["bash", "-c", line], cwd=cwd, capture_output=True, text=True,
                              timeout=120, check=False)
      assert result.returncode == 0, f"{line}: {result.stderr[-2000:]}"
    print(f"{time.perf_counter() - start:6.1f} s  {block.name}  {shlex.join(argv)[:100]}")


def _run_python(block, cwd, namespace):
  saved = os.getcwd()
  os.chdir(cwd)
  try:
    exec(compile(block.code, block.name, "exec"), namespace)  # pylint: disable=exec-used
  finally:
    os.chdir(saved)


def _runnable(blocks):
  return any(b.not_run is None and (b.language == "python" or
                                    any(r is None for _, r in bash_commands(b.code)))
             for b in blocks)


# The --help examples run in one folder, in the order a user meets the commands; convert's
# write the modules the others read, so they run last, where those are not yet.
HELP_ORDER = ["train", "export", "project", "sample", "interpolate", "explore", "evaluate",
              "demo", "convert"]
HELP_BLOCKS = [b for b in (help_examples(f"tfbiggan.cli.{name}") for name in HELP_ORDER) if b]
RUN_PAGES = [page for page in PAGES if _runnable(page_blocks(page))]


def _run_blocks(blocks, world, hub_url):
  namespace = {"__name__": "__docs__"}
  for block in blocks:
    if block.not_run is not None:
      continue
    if block.source in OFFICIAL_SOURCES and (world / "modules" / "biggan-deep-128").exists():
      shutil.rmtree(world / "modules" / "biggan-deep-128")  # What its commands write.
    try:
      if block.language == "bash":
        _run_bash(block, str(world), hub_url)
      else:
        _run_python(block, str(world), namespace)
    except BaseException as error:  # pylint: disable=broad-except
      raise AssertionError(f"{block.name} ({block.language}) failed: "
                           f"{type(error).__name__}: {error}") from error


def _world(base, official, tmp_path, monkeypatch, sources):
  """A copy of the base folder for `sources`, and the loopback server's tarballs. The module
  cache is the base's, shared by the pages, except where the names serve official stand-ins."""
  root, tarballs, cache = base
  world = tmp_path / f"world-{uuid.uuid4().hex[:8]}"
  shutil.copytree(root, world)
  monkeypatch.setenv("TFHUB_CACHE_DIR", str(cache))
  if any(source in OFFICIAL_SOURCES for source in sources):
    shutil.copytree(official[1], world / "downloads" / official[1].name)
  if any(source in OFFICIAL_BY_NAME for source in sources):
    tarballs = {**tarballs, **official[0]}
    # The judge comes from the base's cache, set above.
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(_with_digits_judge(tmp_path / "cache")))
  return world, tarballs


@pytest.mark.parametrize("page", RUN_PAGES)
def test_the_pages_examples_run_as_written(page, base, official, tmp_path, monkeypatch):
  world, tarballs = _world(base, official, tmp_path, monkeypatch, [page])
  with HubServer(tarballs) as server:
    monkeypatch.setenv("TFBIGGAN_HUB_URL", server.url)
    _run_blocks(page_blocks(page), world, server.url)


def test_the_help_examples_run_as_written(base, official, tmp_path, monkeypatch):
  world, tarballs = _world(base, official, tmp_path, monkeypatch,
                           [b.source for b in HELP_BLOCKS])
  with HubServer(tarballs) as server:
    monkeypatch.setenv("TFBIGGAN_HUB_URL", server.url)
    _run_blocks(HELP_BLOCKS, world, server.url)


def test_the_blocks_not_run_are_few_and_say_why():
  """The marked exceptions, listed (run pytest with -rP to read them)."""
  blocks = [b for page in PAGES for b in page_blocks(page)] + HELP_BLOCKS
  not_run = [(b.name, b.not_run) for b in blocks if b.not_run is not None]
  commands = not_run_commands = 0
  for block in blocks:
    if block.language == "bash" and block.not_run is None:
      for argv, reason in bash_commands(block.code):
        commands += 1
        if reason is not None:
          not_run_commands += 1
          not_run.append((f"{block.name} {argv[0]}", reason))
  print(f"{len(blocks)} blocks ({commands} commands in the bash ones): "
        f"{len(blocks) - sum(b.not_run is not None for b in blocks)} blocks and "
        f"{commands - not_run_commands} commands run; not run:")
  for name, reason in not_run:
    print(f"  {name}: {reason}")
  assert all(len(reason) >= 8 for _, reason in not_run), not_run
  assert len(not_run) <= 10, not_run


def _doctest_modules():
  names = []
  for path in sorted(glob.glob(os.path.join(ROOT, "tfbiggan", "**", "*.py"), recursive=True)):
    with open(path, encoding="utf-8") as f:
      if ">>> " in f.read():
        names.append(os.path.relpath(path, ROOT)[:-3].replace(os.sep, "."))
  return names


@pytest.mark.parametrize("name", _doctest_modules())
def test_the_docstring_examples_run(name):
  module = importlib.import_module(name)
  result = doctest.testmod(module, extraglobs={"tf": tf}, optionflags=doctest.ELLIPSIS)
  assert result.attempted > 0 and result.failed == 0, result
