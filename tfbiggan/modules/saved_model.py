"""`load_saved_model(handle)`: a SavedModel from a folder on any TensorFlow file system, or
from a URL or name (fetched into the cache by `tfbiggan.modules.resolver`), with
`tf.saved_model.load` alone: tensorflow_hub is not needed.
"""

import contextlib
import gc

import tensorflow as tf

from tfbiggan import files
from tfbiggan.modules.resolver import fetch


@contextlib.contextmanager
def _no_garbage_collection():
  """Python's cyclic garbage collector paused for the block.

  Restoring a module's graphs allocates enough objects to set off a full collection, which
  walks every object of the interpreter (TensorFlow's own: about half a million) and took
  0.16-0.18 s of a 1.7 s biggan-deep-128 load; the load creates no cycles worth collecting.
  """
  enabled = gc.isenabled()
  gc.disable()
  try:
    yield
  finally:
    if enabled:
      gc.enable()


def load_saved_model(handle):
  """The loaded SavedModel that `handle` names: a folder on any TensorFlow file system, or
  anything `tfbiggan.modules.resolver.fetch` takes (a URL is downloaded into the cache once).

  A TF1-format hub module (tfhub_module.pb beside saved_model.pb, as TF-GAN's Inception
  network) loads with its graph of the empty tag set, as `hub.load` does.

  Raises:
    FileNotFoundError, ValueError, DownloadError: see `fetch`.
  """
  path = fetch(handle)
  tags = [] if files.exists(files.join(path, "tfhub_module.pb")) else None
  with _no_garbage_collection():
    return tf.saved_model.load(path, tags=tags)
