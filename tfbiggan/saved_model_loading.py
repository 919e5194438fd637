"""`load_saved_model(handle)`: a SavedModel from a folder on any TensorFlow file system, or
from a TF-Hub URL.

Folders load with `tf.saved_model.load` alone. Only URLs (tfhub.dev / Kaggle handles such as
TF-GAN's Inception network) need `tensorflow_hub`, an optional dependency
(`pip install "tfbiggan[hub]"`), so that installing tfbiggan next to an existing TensorFlow
does not pull `tf-keras`, which tensorflow-hub requires and which pins its own TensorFlow.
"""

import contextlib
import gc
import warnings

import tensorflow as tf

from tfbiggan import files


def is_url(handle):
  return str(handle).startswith(("http://", "https://"))


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
  """The loaded SavedModel at `handle` (a folder, or a TF-Hub URL).

  Raises:
    FileNotFoundError: a folder that does not exist.
    ImportError: a URL while tensorflow-hub is not installed (says how to install it).
  """
  handle = str(handle)
  if not is_url(handle):
    if not files.exists(handle):
      raise FileNotFoundError(f"no SavedModel at {handle}")
    with _no_garbage_collection():
      return tf.saved_model.load(handle)
  try:
    with warnings.catch_warnings():  # tensorflow_hub 0.16 imports the deprecated pkg_resources.
      warnings.simplefilter("ignore", UserWarning)
      import tensorflow_hub as hub  # pylint: disable=import-outside-toplevel
  except ImportError:
    raise ImportError(f"loading {handle} needs tensorflow-hub: pip install \"tfbiggan[hub]\" "
                      "(or download the module and pass its folder)") from None
  with _no_garbage_collection():
    return hub.load(handle)
