"""The module cache: downloads and conversions kept on disk, each entry written once, atomically.

Where: $TFHUB_CACHE_DIR when it is set (as tensorflow_hub does, so the two share downloads),
else $XDG_CACHE_HOME/tfbiggan/modules (~/.cache/tfbiggan/modules). Any TensorFlow file system
works (a gs:// cache for a TPU VM). Layout, with <key> the SHA-1 of what was fetched (a URL,
as tensorflow_hub keys it, a Kaggle handle, or a local tarball or official folder):

  <key>/                    the module as downloaded and extracted
  <key>.descriptor.txt      what <key> holds and when it was fetched; written last
  <key>.tfbiggan/           an official module converted to our format (tfbiggan-convert)
  <key>.tfbiggan.descriptor.txt

An entry counts only once its descriptor exists. It is written in a scratch folder of its own
(`.<key>.tmp-<random>`, which no reader mistakes for an entry) and renamed into place, so a
download cut half-way (a network drop, Ctrl-C, a killed process) leaves no entry, and two
processes filling the same entry at once each write their own copy: the first rename wins and
the other copy is deleted. Scratch folders left by a killed process are deleted after a day.
"""

import datetime
import hashlib
import os
import socket

import tensorflow as tf

from tfbiggan import files

CACHE_VARIABLE = "TFHUB_CACHE_DIR"
DESCRIPTOR_SUFFIX = ".descriptor.txt"
CONVERTED_SUFFIX = ".tfbiggan"
ABANDONED_AFTER_S = 24 * 3600


def cache_root():
  """The cache folder: $TFHUB_CACHE_DIR, else $XDG_CACHE_HOME/tfbiggan/modules."""
  if os.environ.get(CACHE_VARIABLE):
    return os.environ[CACHE_VARIABLE]
  base = os.environ.get("XDG_CACHE_HOME") or files.join(os.path.expanduser("~"), ".cache")
  return files.join(base, "tfbiggan", "modules")


def entry_path(key, suffix=""):
  """The cache entry of `key` (a URL, handle or path; hashed), with an optional suffix."""
  return files.join(cache_root(), hashlib.sha1(key.encode("utf-8")).hexdigest() + suffix)


def is_complete(path):
  """Whether the entry at `path` was written to the end (its descriptor exists)."""
  return files.exists(path + DESCRIPTOR_SUFFIX) and files.isdir(path)


def fill_entry(path, write, description):
  """The complete entry at `path`, written by `write(folder)` unless it already is.

  Args:
    path: from `entry_path`.
    write: fills the empty folder it is given; whatever it raises (KeyboardInterrupt too)
      leaves no entry.
    description: what the entry holds, for its descriptor.

  Returns: `path`.
  """
  if is_complete(path):
    return path
  files.makedirs(files.dirname(path))
  files.remove_stale_scratch(path, older_than_s=ABANDONED_AFTER_S)
  scratch = files.new_scratch_folder(path)
  try:
    write(scratch)
    if files.exists(path) and not is_complete(path):
      files.rmtree(path)  # Left by a move that was cut (object stores copy file by file).
    try:
      files.move_folder(scratch, path)
    except (tf.errors.OpError, OSError):
      if not files.exists(path):
        raise
      # Another process put its copy in place first; it serves.
    if not files.exists(path + DESCRIPTOR_SUFFIX):
      files.write_atomically(path + DESCRIPTOR_SUFFIX, _descriptor(description))
  finally:
    files.rmtree(scratch)
  return path


def _descriptor(description):
  now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
  return (f"{description}\nWritten: {now}\nBy: tfbiggan on {socket.gethostname()} "
          f"(process {os.getpid()})\n")


def clear():
  """Deletes every entry of the cache (the folder itself stays). Returns the folder."""
  root = cache_root()
  if files.isdir(root):
    for name in tf.io.gfile.listdir(root):
      path = files.join(root, name.rstrip("/"))
      if files.isdir(path):
        files.rmtree(path)
      else:
        tf.io.gfile.remove(path)
  return root
