"""Files on any TensorFlow file system: local paths, `gs://` buckets, `ram://`, ...

Everything tfbiggan reads or writes under a run, module, data or output folder goes through
these helpers (built on `tf.io.gfile`), so that `--model_dir=gs://bucket/run` behaves like a
local folder. Python's `open`, `os.replace`, `tempfile` and PIL's `save(path)` only know the
local disk: they would create a local folder literally named `gs:/bucket/...`.

Atomic writes. `write_atomically` writes a temporary sibling and renames it over the target,
so a reader never sees half a file (on GCS a rename is a copy and a delete of one object,
still all or nothing for a reader). `replace_folder` moves a finished scratch folder into
place: on the local disk with one atomic rename; on object stores (GCS, S3, ram://), which
have no folders, file by file (copy, then delete), as `gsutil mv` does. An interrupted move
there can leave the scratch folder (named `.<name>.tmp-*`) beside the target, or a target
with part of the files; the next write of the same target deletes both first
(`remove_stale_scratch`, and the target is replaced whole).
"""

import io
import json
import os
import posixpath
import time
import uuid

import numpy as np
import tensorflow as tf

gfile = tf.io.gfile


def is_remote(path):
  """Whether `path` names a non-local file system (`gs://`, `ram://`, `s3://`, ...)."""
  return "://" in str(path)


def join(*parts):
  """Joins path parts; remote paths always with '/'."""
  return posixpath.join(*parts) if is_remote(parts[0]) else os.path.join(*parts)


def dirname(path):
  """The folder of `path` (for remote paths, after their scheme)."""
  return posixpath.dirname(path.rstrip("/")) if is_remote(path) else os.path.dirname(
      os.path.abspath(path))


def basename(path):
  return posixpath.basename(path.rstrip("/")) if is_remote(path) else os.path.basename(
      os.path.normpath(path))


def absolute(path):
  """`path` made absolute when local; remote paths are returned as they are."""
  return str(path) if is_remote(path) else os.path.abspath(path)


def exists(path):
  return gfile.exists(path)


def isdir(path):
  return gfile.isdir(path)


def makedirs(path):
  gfile.makedirs(path)
  return path


def rmtree(path):
  """Deletes a folder and everything in it; nothing happens when it does not exist."""
  if gfile.exists(path):
    gfile.rmtree(path)


def read_bytes(path):
  with gfile.GFile(path, "rb") as f:
    return f.read()


def read_text(path):
  with gfile.GFile(path, "r") as f:
    return f.read()


def read_json(path):
  """The JSON value of a file (ValueError naming the file when it is not JSON)."""
  try:
    return json.loads(read_text(path))
  except json.JSONDecodeError as error:
    raise ValueError(f"{path} is not valid JSON: {error}") from None


def _scratch_name(path):
  return join(dirname(path), f".{basename(path)}.tmp-{uuid.uuid4().hex[:8]}")


def write_atomically(path, data):
  """Writes `data` (bytes or str) to `path`: a temporary sibling renamed over it. The
  folder is created when missing. Returns `path`."""
  folder = dirname(path)
  if not gfile.exists(folder):
    gfile.makedirs(folder)
  scratch = _scratch_name(path)
  try:
    with gfile.GFile(scratch, "wb" if isinstance(data, bytes) else "w") as f:
      f.write(data)
    gfile.rename(scratch, path, overwrite=True)
  except BaseException:
    if gfile.exists(scratch):
      gfile.remove(scratch)
    raise
  return path


def write_json(path, value):
  """Writes `value` as indented, key-sorted JSON, atomically."""
  return write_atomically(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


def save_npz(path, **arrays):
  """`np.savez` into `path` (any file system), atomically."""
  buffer = io.BytesIO()
  np.savez(buffer, **arrays)
  return write_atomically(path, buffer.getvalue())


def load_npz(path):
  """{name: array} of an npz file on any file system."""
  with np.load(io.BytesIO(read_bytes(path))) as data:
    return {name: data[name] for name in data.files}


def save_png(path, image):
  """Writes a PIL image as PNG to `path` (any file system), atomically. Returns `path`."""
  return save_image(path, image, "PNG")


def save_image(path, image, image_format, **options):
  """Writes a PIL image in `image_format` ("PNG", "GIF", "WEBP"; `options` go to PIL's
  `save`, e.g. the frames of an animation) to `path` (any file system), atomically."""
  buffer = io.BytesIO()
  image.save(buffer, format=image_format, **options)
  return write_atomically(path, buffer.getvalue())


def write_stream(path, stream, chunk_bytes=1 << 20):
  """Copies the readable binary `stream` into the file `path` (any file system) in chunks;
  returns the number of bytes written. Not atomic: write into a scratch folder."""
  count = 0
  with gfile.GFile(path, "wb") as f:
    while True:
      chunk = stream.read(chunk_bytes)
      if not chunk:
        return count
      f.write(chunk)
      count += len(chunk)


def copy(source, target):
  """Copies the file `source` to `target` (any file systems), replacing it."""
  gfile.copy(source, target, overwrite=True)


def new_scratch_folder(path):
  """A new, empty scratch folder beside `path` (`.<name>.tmp-<random>`) that leaves other
  writers' scratch folders alone, for writers that may run at once (a cache)."""
  scratch = _scratch_name(path)
  gfile.makedirs(scratch)
  return scratch


def age_seconds(path):
  """Seconds since `path` (a file or a folder) was last modified."""
  return max(0.0, time.time() - gfile.stat(path).mtime_nsec / 1e9)


def scratch_folder(path):
  """A new, empty scratch folder beside `path` (`.<name>.tmp-<random>`), for a folder that
  `replace_folder` moves into place when complete."""
  remove_stale_scratch(path)
  scratch = _scratch_name(path)
  gfile.makedirs(scratch)
  return scratch


def remove_stale_scratch(path, older_than_s=None):
  """Deletes scratch folders that an interrupted write of `path` left beside it (with
  `older_than_s`, only those unchanged for that long: another writer may own the rest)."""
  folder = dirname(path)
  if not gfile.exists(folder):
    return
  prefix = f".{basename(path)}.tmp-"
  for name in gfile.listdir(folder):
    scratch = join(folder, name.rstrip("/"))
    if name.rstrip("/").startswith(prefix):
      try:
        if older_than_s is None or age_seconds(scratch) > older_than_s:
          rmtree(scratch)
      except tf.errors.NotFoundError:  # Its writer finished or removed it meanwhile.
        pass


def move_folder(source, target):
  """Moves the folder `source` to `target` (which must not exist): one rename on the local
  disk; on object stores each file is copied, then the source deleted."""
  if not is_remote(source):
    gfile.rename(source, target)
    return target
  source = source.rstrip("/")
  for folder, _, names in gfile.walk(source):
    relative = folder.rstrip("/")[len(source):].lstrip("/")
    destination = join(target, relative) if relative else target
    gfile.makedirs(destination)
    for name in names:
      gfile.copy(join(folder, name), join(destination, name), overwrite=True)
  rmtree(source)
  return target


def replace_folder(scratch, path):
  """Moves the finished folder `scratch` to `path`, replacing what was there.

  The old folder is first moved aside and deleted only after the new one is in place, so an
  error leaves the old folder at `path` (see the module docstring for object stores).
  """
  old = None
  if gfile.exists(path):
    old = _scratch_name(path)
    move_folder(path, old)
  try:
    move_folder(scratch, path)
  except BaseException:
    if old is not None:
      rmtree(path)
      move_folder(old, path)
    raise
  if old is not None:
    rmtree(old)
  return path
