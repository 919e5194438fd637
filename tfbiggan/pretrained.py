"""`load_pretrained`: a Keras `Generator` from a module, ready to sample or fine-tune."""

import json
import os

import tensorflow as tf

from tfbiggan.configs.config import BigGANConfig
from tfbiggan.models.generator import Generator


def _is_official_module(path):
  return (os.path.isdir(path) and os.path.exists(os.path.join(path, "tfhub_module.pb"))
          and not os.path.exists(os.path.join(path, "assets", "metadata.json")))


def load_pretrained(path_or_handle):
  """The Keras `Generator` of a module, with its weights and BN statistics.

  Args:
    path_or_handle: a module written by `tfbiggan-export` or `tfbiggan-convert` (a folder or
      a TF-Hub handle), or an official DeepMind BigGAN module folder (TF1 hub format, as
      downloaded and extracted), which is converted in memory.

  Returns: a `tfbiggan.Generator`; `generator(z, y, truncation=t)` equals the module's
    default signature, and `training=True` calls fine-tune it.

  Raises:
    ValueError: the path holds neither kind of module.
  """
  if _is_official_module(path_or_handle):
    # pylint: disable=import-outside-toplevel
    from tfbiggan_export.converter import generator_from_official
    from tfbiggan_export.official_module import read_official_module
    generator, _ = generator_from_official(read_official_module(path_or_handle))
    return generator
  if "://" not in path_or_handle and not os.path.exists(path_or_handle):
    raise ValueError(f"no module at {path_or_handle}")
  module = tf.saved_model.load(path_or_handle)
  if not hasattr(module, "metadata_json"):
    raise ValueError(f"{path_or_handle} is a SavedModel but not a tfbiggan generator module "
                     "(it has no metadata_json); export or convert one first")
  metadata = json.loads(module.metadata_json.numpy().decode("utf-8"))
  generator = Generator(BigGANConfig.from_dict(metadata["config"]))
  # The module's variable list is the generator's weights, in the same order.
  if len(module.variables) != len(generator.weights):
    raise ValueError(f"{path_or_handle} holds {len(module.variables)} variables; a "
                     f"{metadata['config']['name']} generator has {len(generator.weights)}")
  for weight, variable in zip(generator.weights, module.variables):
    if tuple(weight.shape) != tuple(variable.shape):
      raise ValueError(f"{path_or_handle}: variable {variable.name} has shape "
                       f"{variable.shape}, our {weight.path} {weight.shape}")
    weight.assign(variable)
  return generator
