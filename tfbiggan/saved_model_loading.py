"""`load_saved_model(handle)`: a SavedModel from a folder on any TensorFlow file system, or
from a TF-Hub URL.

Folders load with `tf.saved_model.load` alone. Only URLs (tfhub.dev / Kaggle handles such as
TF-GAN's Inception network) need `tensorflow_hub`, an optional dependency
(`pip install "tfbiggan[hub]"`), so that installing tfbiggan next to an existing TensorFlow
does not pull `tf-keras`, which tensorflow-hub requires and which pins its own TensorFlow.
"""

import warnings

import tensorflow as tf

from tfbiggan import files


def is_url(handle):
  return str(handle).startswith(("http://", "https://"))


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
    return tf.saved_model.load(handle)
  try:
    with warnings.catch_warnings():  # tensorflow_hub 0.16 imports the deprecated pkg_resources.
      warnings.simplefilter("ignore", UserWarning)
      import tensorflow_hub as hub  # pylint: disable=import-outside-toplevel
  except ImportError:
    raise ImportError(f"loading {handle} needs tensorflow-hub: pip install \"tfbiggan[hub]\" "
                      "(or download the module and pass its folder)") from None
  return hub.load(handle)
