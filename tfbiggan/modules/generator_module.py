"""Reading a generator module: load and check it, call it, read its classes.

A generator module is a SavedModel with the official BigGAN interface (see
`tfbiggan_export.hub_module` for the modules tfbiggan writes): its `default` signature maps
(z float32 [B, dim_z], y float32 [B, num_classes], truncation float32 scalar) to
{"default": images float32 [B, R, R, 3] in [-1, 1]}. Modules written by `tfbiggan-export` and
`tfbiggan-convert` also carry `dim_z`, `num_classes`, `class_names` and `metadata_json`, and
(since the `embedding` signature was added) `class_embeddings`.
Sampling, evaluation and `load_pretrained` all load modules through here.
"""

import contextlib
import json

import tensorflow as tf

from tfbiggan import files
from tfbiggan.class_names import lookup_classes, row_label
from tfbiggan.sampling import class_grid_inputs, in_batches
from tfbiggan.modules import format as module_format
from tfbiggan.modules.resolver import resolve_module
from tfbiggan.modules.saved_model import load_saved_model


def load_generator_module(handle, strategy=None, tfbiggan_only=True):
  """Loads a generator module.

  Args:
    handle: a module folder (local or on any TensorFlow file system), an official module's
      folder or .tar.gz, a URL, a short name ("biggan-deep-256") or a Kaggle handle: see
      `tfbiggan.modules.resolver` (official modules are converted once, into the cache).
    strategy: load its variables under this strategy's scope (then call it inside a replica,
      e.g. through `tfbiggan.distribute.split_across_replicas`).
    tfbiggan_only: also require the attributes of modules written by tfbiggan
      (`module_format.ATTRIBUTES`) and a format version this reader knows; False accepts any
      SavedModel with the `default` signature.

  Raises:
    FileNotFoundError: a path that does not exist.
    ValueError: the SavedModel is not a generator module (says what it lacks), or one of a
      newer format.
    DownloadError: a module that could not be fetched (says how to fetch it by hand).
  """
  handle = str(handle)
  path = resolve_module(handle)
  with strategy.scope() if strategy is not None else contextlib.nullcontext():
    module = load_saved_model(path)
  lacking = [] if "default" in module.signatures else ["the default signature"]
  if tfbiggan_only:
    lacking += [name for name in module_format.ATTRIBUTES if not hasattr(module, name)]
  if lacking:
    raise ValueError(f"{handle} is a SavedModel but not a tfbiggan generator module (it lacks "
                     f"{', '.join(lacking)}); write one with tfbiggan-export or "
                     "tfbiggan-convert")
  if tfbiggan_only:
    module_format.check_format(module_metadata(module), handle)
  return module


def module_sizes(module):
  """(dim_z, num_classes) of a module, read from its `default` signature."""
  _, inputs = module.signatures["default"].structured_input_signature
  return int(inputs["z"].shape[1]), int(inputs["y"].shape[1])


def module_resolution(module):
  """The side of the module's square images."""
  return int(module.signatures["default"].structured_outputs["default"].shape[1])


def module_metadata(module):
  """The dict of a tfbiggan module's assets/metadata.json (as stored in the module)."""
  return json.loads(module.metadata_json.numpy().decode("utf-8"))


def module_class_names(module):
  """The module's class names, a list of str."""
  return [name.decode("utf-8") for name in module.class_names.numpy()]


def module_function(module, truncation):
  """The traceable function (z [B, dim_z], y [B, num_classes]) -> images [B, R, R, 3] of the
  module's `default` signature at `truncation` (hub convention)."""
  signature = module.signatures["default"]
  truncation = tf.constant(float(truncation), tf.float32)

  def generate(z, y):
    return signature(z=z, y=y, truncation=truncation)["default"]

  return generate


def require_embedding_signature(module):
  """Raises ValueError, saying how to get one, when `module` (from `load_generator_module`)
  has no `embedding` signature (modules written before tfbiggan added it)."""
  if "embedding" not in module.signatures or not hasattr(module, "class_embeddings"):
    raise ValueError(
        "this module has no `embedding` signature (it was written by an older tfbiggan); "
        "write it again with this version: tfbiggan-export --model_dir=<its run> "
        "--output=<new folder>, or tfbiggan-convert for an official module")


def module_class_embeddings(module):
  """The class embedding rows, float32 [num_classes, shared_dim] (G's linear/w): a class's
  embedding is its row, and a soft label y embeds as y @ rows."""
  require_embedding_signature(module)
  return module.class_embeddings.numpy()


def module_embedding_function(module, truncation):
  """The traceable, differentiable function (z [B, dim_z], embedding [B, shared_dim]) ->
  images [B, R, R, 3] of the module's `embedding` signature at `truncation` (a float or a
  scalar tensor)."""
  require_embedding_signature(module)
  signature = module.signatures["embedding"]
  truncation = tf.cast(truncation, tf.float32)

  def generate_from_embedding(z, embedding):
    return signature(z=z, embedding=embedding, truncation=truncation)["default"]

  return generate_from_embedding


def generate(module, z, y, truncation, batch_size=16):
  """Images [N, R, R, 3] in [-1, 1] (numpy) of z [N, dim_z] and y [N, num_classes], in
  batches of `batch_size`."""
  return in_batches(module_function(module, truncation), z, y, batch_size)


def generate_from_embedding(module, z, embedding, truncation, batch_size=16):
  """Images [N, R, R, 3] in [-1, 1] (numpy) of z [N, dim_z] and class embeddings
  [N, shared_dim], through the module's `embedding` signature, in batches."""
  return in_batches(module_embedding_function(module, truncation), z, embedding, batch_size)


def sample_class_grid(module, classes, samples_per_class=8, truncation=0.5, seed=0,
                      batch_size=16):
  """A grid of `samples_per_class` images of each class, one row a class.

  Args:
    module: from `load_generator_module`.
    classes: class indices or names (see `tfbiggan.class_names.lookup_class`).
    samples_per_class, truncation, seed: columns, hub-convention truncation (z is
      truncation * truncnorm(-2, 2) and the module gets the same truncation), noise seed.

  Returns: (images [len(classes) * samples_per_class, R, R, 3], row labels
    ("<index> <name>", or the index alone when it is the name)).
  """
  names = module_class_names(module)
  indices = lookup_classes(classes, names)
  dim_z, num_classes = module_sizes(module)
  z, y = class_grid_inputs(indices, samples_per_class, dim_z, num_classes, truncation, seed)
  images = generate(module, z, y, truncation, batch_size)
  return images, [row_label(names, index) for index in indices]
