"""Converts an official DeepMind BigGAN TF-Hub module into our Keras Generator and module.

Weights. Each official variable lands in the Keras weight its name maps to
(`tfbiggan.official_names.keras_path`); for w, b, gamma and beta the EMA copy is taken
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
standing statistics become ours and are used at every truncation; `truncation_grid` with
`standing_stats_batches` bakes per-truncation statistics instead.
"""

import os

from absl import logging

from tfbiggan import official_names
from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID
from tfbiggan.configs import get_config
from tfbiggan.models.generator import Generator
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.exporter import check_output_path
from tfbiggan_export.exporter import export_generator
from tfbiggan_export.official_module import read_official_module


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
    official: from `read_official_module`.
    truncation_grid: deep modules always get the official 51-point grid; for biggan v2 an
      optional grid to bake later (default: none, the accumulated statistics serve every
      truncation).

  Returns: (generator, {official name: Keras path} of every weight assigned).
  """
  if official.is_deep:
    grid = OFFICIAL_TRUNCATION_GRID
  else:
    grid = tuple(truncation_grid or ())
  generator = Generator(get_config(official.name, truncation_grid=grid))
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


def convert(module_dir, output, truncation_grid=None, standing_stats_batches=0,
            standing_stats_batch_size=64, seed=0, jit_compile=False, overwrite=False):
  """Converts an official module folder into our TF-Hub module at `output` (atomically).

  Args:
    module_dir: an official module as downloaded and extracted (TF1 hub format).
    output: our module's folder.
    truncation_grid, standing_stats_batches, standing_stats_batch_size, seed: biggan v2
      only: bake per-truncation statistics for this grid (deep modules bring their own).
    jit_compile, overwrite: see `export_generator`.

  Returns: (the module's path, the official module's name).

  Raises:
    ValueError: not a BigGAN module, missing or mis-shaped variables (named), bad options.
    FileExistsError, FileNotFoundError: see `check_output_path`.
  """
  check_output_path(output, overwrite)
  official = read_official_module(module_dir)
  if official.is_deep and truncation_grid:
    raise ValueError(f"{official.name} brings its own 51-point truncation statistics; "
                     "truncation_grid applies to biggan v2 modules only")
  if truncation_grid and not standing_stats_batches:
    raise ValueError("a truncation_grid needs standing_stats_batches > 0 to bake it")
  generator, landed = generator_from_official(official, truncation_grid)
  logging.info("%s: %d official variables landed in our generator", official.name,
               len(landed))
  if truncation_grid:
    bake_truncation_statistics(generator, standing_stats_batches, standing_stats_batch_size,
                               seed=seed, log_progress=True)
  statistics = ("the module's 51 per-truncation BN statistics" if official.is_deep else
                f"baked for {len(truncation_grid)} truncations ({standing_stats_batches} "
                f"batches of {standing_stats_batch_size})" if truncation_grid else
                "the module's accumulated standing statistics, at every truncation")
  metadata = dict(converted_from=os.path.abspath(module_dir), official_module=official.name,
                  weights="EMA", bn_statistics=statistics)
  path = export_generator(generator, output, metadata=metadata, jit_compile=jit_compile,
                          overwrite=overwrite)
  return path, official.name
