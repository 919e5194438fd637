"""Sampling from an exported module: load it, look classes up by name, draw a class grid."""

import os
import warnings

import numpy as np
import tensorflow as tf

from tfbiggan.class_names import lookup_classes
from tfbiggan.sampling import class_grid_inputs


def load_module(handle):
  """`hub.load(handle)` of a tfbiggan module (a folder, or a TF-Hub handle).

  Raises:
    FileNotFoundError: a local path that does not exist.
    ValueError: the SavedModel is not a tfbiggan generator module.
  """
  with warnings.catch_warnings():  # tensorflow_hub 0.16 imports the deprecated pkg_resources.
    warnings.simplefilter("ignore", UserWarning)
    import tensorflow_hub as hub  # pylint: disable=import-outside-toplevel
  if "://" not in handle and not os.path.exists(handle):
    raise FileNotFoundError(f"no module at {handle} (give the folder tfbiggan-export wrote)")
  module = hub.load(handle)
  missing = [name for name in ("dim_z", "num_classes", "class_names")
             if not hasattr(module, name)]
  if missing or "default" not in module.signatures:
    raise ValueError(f"{handle} is a SavedModel but not a tfbiggan generator module (it lacks "
                     f"{', '.join(missing) or 'the default signature'}); export one with "
                     "tfbiggan-export")
  return module


def module_class_names(module):
  """The module's class names, a list of str."""
  return [name.decode("utf-8") for name in module.class_names.numpy()]


def generate(module, z, y, truncation, batch_size=16):
  """Images [N, R, R, 3] in [-1, 1] of the module's default signature, in batches.

  z: float32 [N, dim_z]; y: float32 [N, num_classes]; truncation: float in [0, 1].
  """
  signature = module.signatures["default"]
  truncation = tf.constant(truncation, tf.float32)
  out = [signature(z=tf.constant(z[i:i + batch_size]), y=tf.constant(y[i:i + batch_size]),
                   truncation=truncation)["default"].numpy()
         for i in range(0, len(z), batch_size)]
  return np.concatenate(out)


def sample_class_grid(module, classes, samples_per_class=8, truncation=0.5, seed=0,
                      batch_size=16):
  """A grid of `samples_per_class` images of each class, one row a class.

  Args:
    module: from `load_module`.
    classes: class indices or names (see `tfbiggan.class_names.lookup_class`).
    samples_per_class, truncation, seed: columns, hub-convention truncation (z is
      truncation * truncnorm(-2, 2) and the module gets the same truncation), noise seed.

  Returns: (images [len(classes) * samples_per_class, R, R, 3], row labels
    ("<index> <name>", or the index alone when it is the name)).
  """
  names = module_class_names(module)
  indices = lookup_classes(classes, names)
  z, y = class_grid_inputs(indices, samples_per_class, int(module.dim_z.numpy()),
                           int(module.num_classes.numpy()), truncation, seed)
  images = generate(module, z, y, truncation, batch_size)
  return images, [names[index] if names[index] == str(index) else f"{index} {names[index]}"
                  for index in indices]
