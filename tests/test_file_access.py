"""Library code reaches files through `tfbiggan.files` (tf.io.gfile) only, so that a run,
module, data set or cache on gs:// works like a local folder: every call of every module is
read, and one of Python's local-disk functions outside files.py fails here unless it is
listed below with its reason."""

import ast
import os

import pytest

from package_modules import MODULES

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.

# Functions that only know the local disk (tf.io.gfile has an equivalent of each).
LOCAL_DISK = {
    "": {"open"},
    "os": {"replace", "rename", "remove", "unlink", "makedirs", "mkdir", "rmdir", "listdir",
           "walk", "scandir", "stat"},
    "os.path": {"exists", "isdir", "isfile", "getsize", "getmtime"},
    "shutil": {"copy", "copy2", "copyfile", "copytree", "move", "rmtree"},
    "tempfile": {"mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryFile",
                 "TemporaryDirectory"},
    "np": {"save", "savez", "savez_compressed", "load"},
    "glob": {"glob"},
}

# (module, call): why the local disk is right there.
ALLOWED = {
    ("tfbiggan.files", "*"): "the one I/O layer; its local calls write into memory buffers",
    ("tfbiggan.cli.common", "tempfile.TemporaryFile"): "captures TensorFlow's C++ start-up "
    "lines from file descriptor 2 while it is imported",
    ("tfbiggan.explorer_app", "tempfile.mkdtemp"): "Gradio serves downloads from local disk",
    ("tfbiggan.training.precision", "open"): "reads /proc/cpuinfo, a local system file",
}


def _dotted(node):
  """'os.path.exists' for the expression os.path.exists; None for anything else."""
  if isinstance(node, ast.Name):
    return node.id
  if isinstance(node, ast.Attribute):
    base = _dotted(node.value)
    return None if base is None else f"{base}.{node.attr}"
  return None


def local_disk_calls(path):
  """[(line, 'module.function')] of the local-disk calls in a file."""
  with open(path, encoding="utf-8") as f:
    tree = ast.parse(f.read(), path)
  found = []
  for node in ast.walk(tree):
    if isinstance(node, ast.Call):
      name = _dotted(node.func)
      if name is None:
        continue
      owner, _, function = name.rpartition(".")
      if function in LOCAL_DISK.get(owner, ()):
        found.append((node.lineno, name))
  return found


def test_the_scan_finds_each_kind_of_call(tmp_path):
  source = tmp_path / "sample.py"
  source.write_text("import os, shutil, tempfile\nimport numpy as np\n"
                    "open('x', 'w')\nos.replace('a', 'b')\nos.path.exists('c')\n"
                    "shutil.rmtree('d')\ntempfile.mkdtemp()\nnp.savez('e.npz')\n"
                    "files.open('f')\n")  # The last is tfbiggan.files': not local.
  assert [name for _, name in local_disk_calls(str(source))] == [
      "open", "os.replace", "os.path.exists", "shutil.rmtree", "tempfile.mkdtemp", "np.savez"]


def test_library_files_go_through_tfbiggan_files():
  offending, used = [], set()
  for module, path in sorted(MODULES.items()):
    for line, name in local_disk_calls(path):
      key = next((k for k in ((module, name), (module, "*")) if k in ALLOWED), None)
      if key is None:
        offending.append(f"{os.path.relpath(path)}:{line}: {name}")
      else:
        used.add(key)
  assert not offending, ("local-disk file calls in library code; use tfbiggan.files "
                         "(tf.io.gfile) so that gs:// paths work:\n" + "\n".join(offending))
  assert used == set(ALLOWED), f"allowed but no longer used: {set(ALLOWED) - used}"
