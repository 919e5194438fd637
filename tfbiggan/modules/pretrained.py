"""`load_pretrained`: a Keras `Generator` from a module, ready to sample or fine-tune.

It reads the modules tfbiggan writes (`tfbiggan-export`, `tfbiggan-convert`): their variable
list is the generator's weights in order, and their metadata holds the config. An official
DeepMind BigGAN module (TF1 hub format) is converted first, once (`tfbiggan-convert`'s
`generator_from_official`, below, then the exporter), by `tfbiggan.modules.resolver`.

Weights of an official module. Each official variable lands in the Keras weight its name maps
to (`tfbiggan.modules.official_names.keras_path`); for w, b, gamma and beta the EMA copy is taken
(`/ema_b999900` biggan, `/ema_0.9999` deep), the raw copy only where no EMA copy exists. No
transposes: both are NHWC with kernels [kh, kw, in, out] and dense [in, out]; biggan's final BN
gain and bias are reshaped from [1, 1, 1, C] to [C].

Spectral norm. The stored `u0` (biggan also `u1`, `u2`) are copied as they are. At inference
our layers compute sigma as the official graph does (spec §3.4): one power-iteration step from
the stored u0 with nrm(x) = x * rsqrt(sum(x^2) + 1e-4), u left unchanged.
(pytorch-pretrained-biggan performs the same step once at conversion but normalises with
x / max(|x|, 1e-4), which differs from the official graph by about 5e-5 relative.)

BN statistics. biggan-deep: the 51 per-truncation means and variances become our
`truncation_means` / `truncation_vars` (grid 0, 0.02, ..., 1); between grid points our BN
interpolates linearly, (1 - w) * row_i + w * row_{i+1} with w = (t - t_i) / 0.02 (exact on the
grid; pytorch-pretrained-biggan swaps the two weights, spec §1.2). biggan v2: the accumulated
standing statistics become ours and are used at every truncation (a grid can be baked later).
"""

from absl import logging
import keras

from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID
from tfbiggan.configs import get_config
from tfbiggan.configs.config import BigGANConfig
from tfbiggan.layers.initializers import ASSIGNED_AFTERWARDS
from tfbiggan.models.discriminator import Discriminator
from tfbiggan.models.generator import Generator
from tfbiggan.modules import official_names
from tfbiggan.modules.generator_module import load_generator_module
from tfbiggan.modules.generator_module import module_class_names
from tfbiggan.modules.generator_module import module_metadata
from tfbiggan.modules.module_weights import ModuleCheckpoint
from tfbiggan.modules.module_weights import is_tfbiggan_module_folder
from tfbiggan.modules.module_weights import read_module_metadata
from tfbiggan.modules.official import is_official_module
from tfbiggan.modules.resolver import fetch
from tfbiggan.modules.resolver import resolve_module
from tfbiggan.training.precision import choose_precision


def _values_by_keras_path(official):
  """{keras path: (official name, array)}, EMA copies preferred over raw ones."""
  chosen = {}
  for name, value in official.variables.items():
    path = official_names.keras_path(name)
    _, is_ema = official_names.split_ema(name)
    if path not in chosen or is_ema:
      chosen[path] = (name, value)
  return chosen


def generator_from_official(official, truncation_grid=None):
  """Our `Generator` holding the weights and statistics of an `OfficialModule`.

  Args:
    official: from `tfbiggan.modules.official.read_official_module`.
    truncation_grid: deep modules always get the official 51-point grid; for biggan v2 an
      optional grid to bake later (default: none, the accumulated statistics serve every
      truncation).

  Returns: (generator, {official name: Keras path} of every weight assigned).

  Raises:
    ValueError: an official variable without a place in our generator, or of another shape.
  """
  if official.is_deep:
    grid = OFFICIAL_TRUNCATION_GRID
  else:
    grid = tuple(truncation_grid or ())
  generator = Generator(get_config(official.name, truncation_grid=grid),
                        initializer=ASSIGNED_AFTERWARDS)
  weights = {w.path: w for w in generator.weights}
  landed = {}
  for path, (name, value) in _values_by_keras_path(official).items():
    if path not in weights:
      raise ValueError(f"official variable {name} maps to {path}, which our {official.name} "
                       "generator lacks")
    weight = weights[path]
    if value.size != weight.numpy().size:
      raise ValueError(f"official variable {name} has shape {list(value.shape)} but our "
                       f"{path} has {list(weight.shape)}")
    weight.assign(value.reshape(weight.shape))
    landed[name] = path
  if official.is_deep:
    batch_norms = generator.batch_norms
    if len(batch_norms) != len(official.truncation_statistics):
      raise ValueError(f"{len(official.truncation_statistics)} BN statistics sets for "
                       f"{len(batch_norms)} batch norms")
    for bn, (mean, var) in zip(batch_norms, official.truncation_statistics):
      bn.truncation_means.assign(mean)
      bn.truncation_vars.assign(var)
  return generator, landed


def load_pretrained(path_or_handle, precision="float32"):
  """The Keras `Generator` of a module, with its weights and BN statistics.

  Args:
    path_or_handle: a short name ("biggan-deep-256"), a TF-Hub URL, a Kaggle handle, a
      module written by `tfbiggan-export` or `tfbiggan-convert` (a folder on any TensorFlow
      file system), or an official DeepMind module (folder or .tar.gz). Official modules
      are downloaded and converted once, into the cache (`tfbiggan.modules.resolver`).
    precision: "float32" (the module's own arithmetic), "bfloat16" (bfloat16 products with
      float32 weights, BN statistics, truncation tables and output; faster on CPUs with AMX
      or AVX512-BF16, images within the bound of docs/benchmarks.md), "float16" (the same
      with float16 products, for GPUs without bfloat16 units), or "auto" (bfloat16 on a GPU
      with bfloat16 units or a CPU with those instructions, else float32; the choice is
      logged; `tfbiggan.training.precision.choose_precision`).

  Returns: a `tfbiggan.Generator`; `generator(z, y, truncation=t)` equals the module's
    default signature (in float32), and `training=True` calls fine-tune it.

  Raises:
    FileNotFoundError: nothing at the path (a close short name is suggested).
    ValueError: the path holds neither kind of module, or a module that does not fit its
      config (named).
    DownloadError: a module that could not be fetched (says how to fetch it by hand).
  """
  return load_pretrained_with_class_names(path_or_handle, precision)[0]


def load_pretrained_with_class_names(path_or_handle, precision="float32"):
  """`load_pretrained`, and the module's class names (ImageNet's for official modules).

  Returns: (Generator, list of str [num_classes]).
  """
  path_or_handle = str(path_or_handle)
  path = resolve_module(path_or_handle)
  if not is_tfbiggan_module_folder(path):
    # Not ours: loading it says what it lacks (or takes a SavedModel with the attributes).
    module = load_generator_module(path_or_handle)
    return (generator_from_module(module, path_or_handle, precision),
            module_class_names(module))
  # Our modules' weights are read straight from variables/, without loading their graphs.
  metadata = read_module_metadata(path)
  checkpoint = ModuleCheckpoint(path)
  generator = _built_holding(lambda: _empty_generator(metadata, precision),
                             checkpoint.variable_list("variables"), path_or_handle)
  return generator, checkpoint.class_names()


def generator_from_module(module, source="the module", precision="float32"):
  """A Keras `Generator` holding the weights of a loaded tfbiggan module (from
  `load_generator_module`), computing in `precision` (see `load_pretrained`); `source`
  names it in errors."""
  metadata = module_metadata(module)
  return _built_holding(lambda: _empty_generator(metadata, precision), module.variables,
                        source)


def _empty_generator(metadata, precision):
  """The `Generator` of a module's metadata (a dict), its weights to be assigned, computing
  in `precision`."""
  chosen = choose_precision(precision)
  if precision == "auto":
    logging.info("sampling in %s: %s", chosen.name, chosen.reason)
  return Generator(BigGANConfig.from_dict(metadata["config"]),
                   initializer=ASSIGNED_AFTERWARDS, dtype=chosen.policy)


def load_pretrained_discriminator(path_or_handle):
  """The Keras `Discriminator` a tfbiggan module carries (`tfbiggan-export
  --with_discriminator`), and the module's class names.

  Raises:
    FileNotFoundError: nothing at the path.
    ValueError: not a tfbiggan module, or one exported without its discriminator.
  """
  path_or_handle = str(path_or_handle)
  if is_official_module(fetch(path_or_handle)):
    raise ValueError(f"{path_or_handle} is an official module: DeepMind released no "
                     "discriminator (fine-tune with a fresh one)")
  path = resolve_module(path_or_handle)
  if not is_tfbiggan_module_folder(path):
    load_generator_module(path_or_handle)  # Raises, saying what the SavedModel lacks.
  metadata = read_module_metadata(path)
  checkpoint = ModuleCheckpoint(path)
  if not checkpoint.has("discriminator"):
    raise ValueError(f"{path_or_handle} carries no discriminator; export the run with "
                     "tfbiggan-export --with_discriminator, or give the run folder")
  discriminator = _built_holding(
      lambda: Discriminator(BigGANConfig.from_dict(metadata["config"]),
                            initializer=ASSIGNED_AFTERWARDS),
      checkpoint.variable_list("discriminator", "variables"), path_or_handle)
  return discriminator, checkpoint.class_names()


def _built_holding(make_model, values, source):
  """`make_model()`, a Keras model whose weights are created holding `values`, a module's
  variable list (variables or tensors, `model.weights` in order).

  Each variable is created from its value, not from an initializer and then assigned, which
  is most of a fresh process's load saved (docs/design-notes.md, "Module load time"). Keras
  defers creating the variables of a model built in a `keras.StatelessScope` to the scope's
  end, where each one is created from its initializer: here, one that returns its value.

  Raises:
    ValueError: a list of another length, or a value of another shape or dtype (named).
  """
  with keras.StatelessScope():
    model = make_model()
    weights = model.weights
    if len(values) != len(weights):
      raise ValueError(f"{source} holds {len(values)} variables; a "
                       f"{model.config.name} {model.name} has {len(weights)}")
    for index, (weight, value) in enumerate(zip(weights, values)):
      if tuple(weight.shape) != tuple(value.shape) or weight.dtype != value.dtype.name:
        raise ValueError(f"{source}: variable {index} of its list is {value.dtype.name} "
                         f"{tuple(value.shape)}, our {weight.path} {weight.dtype} "
                         f"{tuple(weight.shape)}")
      weight._initializer = _holding(value)  # pylint: disable=protected-access
  return model


def _holding(value):
  """The initializer of a variable created holding `value`."""
  return lambda shape, dtype=None: value
