"""tfbiggan.files: the same atomic writes and folder moves on the local disk and on an object
store (TensorFlow's in-process ram://, which takes the gs:// code path)."""

import os
import uuid

import numpy as np
import pytest
from PIL import Image
import tensorflow as tf

from tfbiggan import files

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.


@pytest.fixture(params=["local", "ram"])
def root(request, tmp_path):
  if request.param == "local":
    yield str(tmp_path)
  else:
    path = f"ram://files-{uuid.uuid4().hex[:8]}"
    tf.io.gfile.makedirs(path)
    yield path
    tf.io.gfile.rmtree(path)


def _tree(path):
  """{relative file path: bytes} of everything under `path`."""
  found = {}
  for folder, _, names in tf.io.gfile.walk(path):
    for name in names:
      full = files.join(folder, name)
      found[full[len(path):].lstrip("/")] = files.read_bytes(full)
  return found


def test_write_atomically_creates_the_folder_and_leaves_no_scratch(root):
  path = files.join(root, "a", "b", "note.txt")
  files.write_atomically(path, "first")
  files.write_atomically(path, b"second")
  assert files.read_text(path) == "second"
  assert tf.io.gfile.listdir(files.join(root, "a", "b")) == ["note.txt"]


def test_json_npz_and_png_round_trip(root):
  files.write_json(files.join(root, "c.json"), {"b": [1, 2], "a": None})
  assert files.read_json(files.join(root, "c.json")) == {"a": None, "b": [1, 2]}
  files.save_npz(files.join(root, "x.npz"), mean=np.arange(3.0), count=np.int64(7))
  loaded = files.load_npz(files.join(root, "x.npz"))
  assert loaded["mean"].tolist() == [0.0, 1.0, 2.0] and int(loaded["count"]) == 7
  files.save_png(files.join(root, "p.png"), Image.new("RGB", (5, 3), "red"))
  assert files.read_bytes(files.join(root, "p.png"))[:8] == b"\x89PNG\r\n\x1a\n"
  files.write_atomically(files.join(root, "bad.json"), "{")
  with pytest.raises(ValueError, match="bad.json is not valid JSON"):
    files.read_json(files.join(root, "bad.json"))


def test_replace_folder_moves_every_file_and_replaces_the_old_folder(root):
  target = files.join(root, "module")
  for version in (b"old", b"new"):
    scratch = files.scratch_folder(target)
    files.write_atomically(files.join(scratch, "saved_model.pb"), version)
    files.write_atomically(files.join(scratch, "variables", "variables.index"), version + b"!")
    files.replace_folder(scratch, target)
    assert _tree(target) == {"saved_model.pb": version,
                             "variables/variables.index": version + b"!"}
    assert sorted(n.rstrip("/") for n in tf.io.gfile.listdir(root)) == ["module"]


def test_an_interrupted_write_is_cleaned_up_by_the_next(root):
  target = files.join(root, "module")
  stale = files.scratch_folder(target)  # As an interrupted export leaves it.
  files.write_atomically(files.join(stale, "half"), b"x")
  scratch = files.scratch_folder(target)
  assert not files.exists(stale) and files.exists(scratch)


def test_remote_paths_keep_their_scheme():
  assert files.is_remote("gs://b/x") and not files.is_remote("/tmp/x")
  assert files.join("gs://b/runs", "r", "config.json") == "gs://b/runs/r/config.json"
  assert files.dirname("gs://b/runs/r/") == "gs://b/runs"
  assert files.basename("gs://b/runs/r/") == "r"
  assert files.absolute("gs://b/r") == "gs://b/r"
  assert files.absolute("rel") == os.path.abspath("rel")
