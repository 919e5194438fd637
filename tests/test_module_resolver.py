"""Modules by name, URL, Kaggle handle or tarball (`tfbiggan.modules.resolver`), fetched from a
loopback server that answers as TF-Hub does: the first use downloads and converts, the second
makes no request; cut, corrupt and escaping downloads leave nothing behind."""

import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import types

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import tfbiggan
from tfbiggan.image_grid import read_grid_cells, to_uint8
from tfbiggan.metrics.classifier import classifier_by_name
from tfbiggan.modules import cache
from tfbiggan.modules.download import DownloadError, UnsafeArchiveError, download_module
from tfbiggan.modules.generator_module import load_generator_module, sample_class_grid
from tfbiggan.modules.resolver import fetch
from tfbiggan.sampling import class_grid_inputs
from tfbiggan.training.initial_weights import load_initial_generator
from tfbiggan_export.converter import convert
from command_runner import run_in_process
from hub_server import HubServer
from notebook_runner import execute, load_notebook, set_parameters
from official_standin import inception_standin_tarball, write_random_official_module

DEEP_128 = "deepmind/biggan-deep-128/1"
SMALL = "tests/small/1"


def _tarball(members):
  """Gzipped tarball bytes of [(name, bytes or None for a folder, link target or None)]."""
  buffer = io.BytesIO()
  with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
    for name, data, link in members:
      info = tarfile.TarInfo(name)
      if link is not None:
        info.type, info.linkname = tarfile.SYMTYPE, link
        archive.addfile(info)
      elif data is None:
        info.type = tarfile.DIRTYPE
        archive.addfile(info)
      else:
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
  return buffer.getvalue()


SMALL_TARBALL = _tarball([("./", None, None), ("./saved_model.pb", os.urandom(3 << 20), None),
                          ("./variables/", None, None),
                          ("./variables/variables.index", b"index", None)])


@pytest.fixture(scope="module")
def official(tmp_path_factory):
  """(folder, tarball bytes) of a biggan-deep-128 stand-in with random weights."""
  folder = str(tmp_path_factory.mktemp("official") / "biggan-deep-128")
  write_random_official_module(folder, "biggan-deep-128", seed=2)
  buffer = io.BytesIO()
  with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
    archive.add(folder, arcname=".")
  return folder, buffer.getvalue()


@pytest.fixture(scope="module")
def by_hand(official, tmp_path_factory):
  """The stand-in converted by hand (tfbiggan-convert of the extracted folder)."""
  path, _ = convert(official[0], str(tmp_path_factory.mktemp("by_hand") / "module"))
  return path


@pytest.fixture
def hub(official, monkeypatch, tmp_path):
  """The loopback server holding the stand-in, the short names pointed at it, and an empty
  cache of this test's own."""
  with HubServer({DEEP_128: official[1], SMALL: SMALL_TARBALL}) as server:
    monkeypatch.setenv("TFBIGGAN_HUB_URL", server.url)
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    yield server


def _entries():
  root = cache.cache_root()
  return sorted(os.listdir(root)) if os.path.isdir(root) else []


def _images(generator, truncation=0.4):
  z, y = class_grid_inputs([1, 207, 999], 2, 128, 1000, truncation, seed=3)
  return generator(z, y, truncation=truncation).numpy()


def test_a_name_downloads_and_converts_once_then_the_cache_serves(hub, by_hand):
  generator = tfbiggan.load_pretrained("biggan-deep-128")
  assert hub.requests == [f"/{DEEP_128}?tf-hub-format=compressed",
                          f"/storage/{DEEP_128}.tar.gz"]
  expected = _images(tfbiggan.load_pretrained(by_hand))
  np.testing.assert_array_equal(_images(generator), expected)
  assert len([e for e in _entries() if not e.startswith(".")]) == 4  # Download, conversion.

  again = tfbiggan.load_pretrained("biggan-deep-128")  # The second use: no request.
  np.testing.assert_array_equal(_images(again), expected)
  url = f"{hub.url}/{DEEP_128}"  # The same module by URL: the same entry.
  initial = load_initial_generator(url)  # What --init_generator does.
  np.testing.assert_array_equal(_images(initial.model), expected)
  assert initial.class_names[207] == "golden retriever"
  assert len(hub.requests) == 2


def test_sample_takes_a_url_then_a_name_and_draws_what_the_hand_converted_module_draws(hub, by_hand,
                                                                               tmp_path):
  grid = tmp_path / "grid.png"
  flags = [f"--module={hub.url}/{DEEP_128}", "--classes=1,207", "--samples_per_class=2",
           "--truncation=0.4", f"--out={grid}"]
  result = run_in_process("sample", *flags)
  assert result.returncode == 0, result.stderr
  assert len(hub.requests) == 2
  images, labels = sample_class_grid(load_generator_module(by_hand), [1, 207], 2, 0.4)
  cells = read_grid_cells(str(grid), 2, 2, 128, labels, title=True)
  assert np.abs(cells.astype(int) - to_uint8(images)).max() <= 1
  flags[0] = "--module=biggan-deep-128"  # Second use, by name: no request, the same cells.
  result = run_in_process("sample", *flags)
  assert result.returncode == 0 and len(hub.requests) == 2
  np.testing.assert_array_equal(read_grid_cells(str(grid), 2, 2, 128, labels, title=True),
                                cells)


def test_the_notebook_opens_a_name_and_draws_what_the_hand_converted_module_draws(hub, by_hand,
                                                                                  tmp_path):
  notebook = load_notebook("biggan_sampling.ipynb")
  set_parameters(notebook, dict(module_path="biggan-deep-128", classes="1, 207",
                                num_samples=2, truncation=0.4, seed=0,
                                output_dir=str(tmp_path / "out")))
  # Up to the class grid: the install cell, the parameters, opening the module, the grid.
  last = next(i for i, c in enumerate(notebook.cells) if '"samples.png"' in c.source)
  notebook.cells = notebook.cells[:last + 1]
  execute(notebook, tmp_path)
  assert len(hub.requests) == 2  # Downloaded once (and converted into the cache).
  images, labels = sample_class_grid(load_generator_module(by_hand), ["1", "207"], 2, 0.4, 0)
  cells = read_grid_cells(str(tmp_path / "out" / "samples.png"), 2, 2, 128, labels, title=True)
  assert np.abs(cells.astype(int) - to_uint8(images)).max() <= 1


def test_a_cut_download_leaves_no_entry_and_the_retry_works(hub):
  hub.cut_after = 1 << 20
  with pytest.raises(DownloadError) as raised:
    fetch(f"{hub.url}/{SMALL}")
  message = str(raised.value)
  assert "\n" not in message and "failed after" in message and "curl -L" in message
  assert _entries() == []  # No entry, no scratch folder.
  hub.cut_after = None
  folder = fetch(f"{hub.url}/{SMALL}")
  assert os.path.getsize(os.path.join(folder, "saved_model.pb")) == 3 << 20
  assert os.path.exists(folder + cache.DESCRIPTOR_SUFFIX)


def test_a_corrupt_tarball_and_a_web_page_are_refused(hub):
  hub.tarballs[SMALL] = b"\x1f\x8b not really gzip" * 100
  with pytest.raises(DownloadError, match="failed after"):
    fetch(f"{hub.url}/{SMALL}")
  assert _entries() == []
  with pytest.raises(DownloadError, match="HTTP 404"):
    fetch(f"{hub.url}/nothing/here/1")


@pytest.mark.parametrize("members, message", [
    ([("../evil", b"x", None)], "points outside its folder"),
    ([("./variables/../../evil", b"x", None)], "points outside its folder"),
    ([("/tmp/evil", b"x", None)], "absolute path"),
    ([("./link", None, "../../evil")], "points outside its folder"),
    ([("./saved_model.pb", b"x", None), ("./link", None, "/etc/passwd")], "absolute path"),
])
def test_a_member_escaping_its_folder_is_refused(hub, tmp_path, members, message):
  hub.tarballs[SMALL] = _tarball(members)
  with pytest.raises(UnsafeArchiveError, match=message):
    fetch(f"{hub.url}/{SMALL}")
  assert _entries() == []
  written = [name for _, _, names in os.walk(tmp_path) for name in names]
  assert not any("evil" in name for name in written), written


def test_two_processes_fetching_at_once_share_one_good_entry(hub):
  hub.chunk_delay_s = 0.2
  # Both transfers start before either sends a byte, however unevenly the processes start.
  hub.storage_barrier = threading.Barrier(2, timeout=240)
  code = ("import sys; from tfbiggan.modules.resolver import fetch; "
          "print(fetch(sys.argv[1]))")
  processes = [subprocess.Popen([sys.executable, "-c", code, f"{hub.url}/{SMALL}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
  outputs = [p.communicate(timeout=300) for p in processes]
  assert [p.returncode for p in processes] == [0, 0], [err[-2000:] for _, err in outputs]
  paths = {out.strip().splitlines()[-1] for out, _ in outputs}
  assert len(paths) == 1
  folder = paths.pop()
  assert os.path.getsize(os.path.join(folder, "saved_model.pb")) == 3 << 20
  assert [e for e in _entries() if e.startswith(".")] == []  # Both scratch folders gone.
  assert sum(1 for r in hub.requests if r.startswith("/storage/")) == 2


def test_offline_or_misspelt_names_fail_in_one_line(monkeypatch, tmp_path):
  monkeypatch.setenv("TFBIGGAN_HUB_URL", "http://127.0.0.1:9")  # Nothing listens there.
  monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
  result = run_in_process("sample", "--module=biggan-deep-128", f"--out={tmp_path}/x.png")
  lines = result.stderr.strip().splitlines()
  assert result.returncode == 2 and len(lines) == 1, result.stderr
  assert "could not reach http://127.0.0.1:9/deepmind/biggan-deep-128/1" in lines[0]
  assert "curl -L -o biggan-deep-128.tar.gz" in lines[0]
  assert "pass the folder biggan-deep-128 in place of biggan-deep-128" in lines[0]
  with pytest.raises(FileNotFoundError, match="did you mean biggan-deep-256"):
    fetch("biggan-deep-265")


class _Terminal(io.StringIO):

  def isatty(self):
    return True


def test_the_progress_bar_shows_on_a_terminal_only(hub, tmp_path):
  terminal, log = _Terminal(), io.StringIO()
  download_module(f"{hub.url}/{SMALL}", str(tmp_path / "a"), progress_stream=terminal)
  download_module(f"{hub.url}/{SMALL}", str(tmp_path / "b"), progress_stream=log)
  assert "3.00M/3.00M" in terminal.getvalue() and log.getvalue() == ""


def test_a_kaggle_handle_goes_to_kagglehub(monkeypatch, official):
  asked = []
  fake = types.SimpleNamespace(model_download=lambda handle: asked.append(handle) or official[0])
  monkeypatch.setitem(sys.modules, "kagglehub", fake)
  assert fetch("deepmind/biggan/tensorFlow1/deep-128") == official[0]
  assert asked == ["deepmind/biggan/tensorFlow1/deep-128"]
  monkeypatch.setitem(sys.modules, "kagglehub", None)  # Not installed.
  with pytest.raises(ImportError, match="pip install kagglehub"):
    fetch("deepmind/biggan/tensorFlow1/deep-128")


INCEPTION = "tensorflow/tfgan/eval/inception/1"


def test_the_inception_network_comes_through_the_same_cache(monkeypatch, tmp_path):
  """classifier_by_name("inception") fetches TF-GAN's handle under $TFBIGGAN_HUB_URL."""
  with HubServer({INCEPTION: inception_standin_tarball(tmp_path / "inception")}) as server:
    monkeypatch.setenv("TFBIGGAN_HUB_URL", server.url)
    monkeypatch.setenv("TFHUB_CACHE_DIR", str(tmp_path / "cache"))
    logits, features = classifier_by_name("inception")(np.full([2, 32, 32, 3], 0.5))
    classifier_by_name("inception")
    assert len(server.requests) == 2  # Fetched once.
  np.testing.assert_allclose(features, np.ones([2, 3]), atol=1e-5)
  assert logits.shape == (2, 6)

@pytest.fixture(scope="module")
def warm_hub(official, tmp_path_factory):
  """The loopback server and one cache shared by the commands' runs, warmed by one fetch."""
  inception = inception_standin_tarball(tmp_path_factory.mktemp("inception") / "module")
  with HubServer({DEEP_128: official[1], INCEPTION: inception}) as server, \
       pytest.MonkeyPatch.context() as patch:
    patch.setenv("TFBIGGAN_HUB_URL", server.url)
    patch.setenv("TFHUB_CACHE_DIR", str(tmp_path_factory.mktemp("shared_cache")))
    tfbiggan.load_pretrained("biggan-deep-128")
    classifier_by_name("inception")
    assert len(server.requests) == 4
    yield server


_COMMANDS = {
    "interpolate": lambda out: ["--from_class=3", "--to_class=207", "--steps=2",
                                "--truncation=0.6", f"--out={out}/walk.png"],
    "evaluate": lambda out: [f"--reference={out.parent}/reference.npz",
                             "--reference_dataset=digits", "--reference_split=test",
                             "--reference_samples=20", "--truncations=0.6",
                             "--num_samples=20", "--batch_size=10", "--num_splits=1",
                             f"--output_dir={out}/eval"],
}
# What each command writes from the module's images (the curve's PNG is titled with --module
# as given; its JSON holds the figures).
_RESULTS = {"interpolate": ["walk.png"], "evaluate": ["eval/truncation_curve.json"]}


def _contents(path):
  """What a written file holds: pixels or JSON."""
  if path.suffix == ".png":
    return np.asarray(Image.open(path)).tolist()
  return json.loads(path.read_text())


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_every_command_takes_a_name_and_a_url_as_it_takes_the_folder(warm_hub, by_hand,
                                                                     tmp_path, command):
  """The command run on the short name and on the URL writes what it writes on the folder
  converted by hand, and the warm cache serves both without a request. (tfbiggan-project
  opens its --module the same way, load_generator_module; the docs test runs it by name.)"""
  written = {}
  for way, module in [("folder", by_hand), ("name", "biggan-deep-128"),
                      ("url", f"{warm_hub.url}/{DEEP_128}")]:
    out = tmp_path / way
    out.mkdir()
    result = run_in_process(command, f"--module={module}", *_COMMANDS[command](out))
    assert result.returncode == 0, result.stderr[-3000:]
    written[way] = [_contents(out / name) for name in _RESULTS[command]]
  assert len(warm_hub.requests) == 4
  assert written["name"] == written["folder"]
  assert written["url"] == written["folder"]


_METADATA = "metadata_json/.ATTRIBUTES/VARIABLE_VALUE"  # Says where it came from, and when.


def _weights(module):
  """{variable name: value} of a module folder's checkpoint."""
  reader = tf.train.load_checkpoint(os.path.join(module, "variables", "variables"))
  return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def test_convert_takes_a_name_and_a_url_as_it_takes_the_folder(warm_hub, by_hand, tmp_path):
  expected = _weights(by_hand)  # tfbiggan-convert of the official folder.
  for way, module in [("name", "biggan-deep-128"), ("url", f"{warm_hub.url}/{DEEP_128}")]:
    result = run_in_process("convert", f"--module={module}", f"--output={tmp_path / way}")
    assert result.returncode == 0, result.stderr[-3000:]
    weights = _weights(str(tmp_path / way))
    assert sorted(weights) == sorted(expected)
    metadata = json.loads(weights.pop(_METADATA))
    assert metadata["converted_from"] == module
    for name, value in expected.items():
      if name != _METADATA:
        np.testing.assert_array_equal(weights[name], value, err_msg=f"{way}: {name}")
  assert len(warm_hub.requests) == 4


def test_the_explorer_takes_a_name_as_it_takes_the_folder(warm_hub, by_hand):
  from tfbiggan.explorer import Explorer  # pylint: disable=import-outside-toplevel
  by_name = Explorer("biggan-deep-128").samples("golden retriever", 0.6, 1, 2)
  np.testing.assert_array_equal(by_name, Explorer(by_hand).samples("207", 0.6, 1, 2))
  assert len(warm_hub.requests) == 4
