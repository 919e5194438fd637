"""Converts an official DeepMind BigGAN TF-Hub module into our TF2 module.

`convert(module_dir, output)` is what `tfbiggan-convert` does: it reads the official module
(`tfbiggan.modules.official`), builds our Keras generator from it
(`tfbiggan.modules.pretrained.generator_from_official`, whose docstring says how each weight and BN
statistic lands) and exports it with `export_generator`, atomically.
"""

from absl import logging

from tfbiggan import files
from tfbiggan.modules.official import read_official_module
from tfbiggan.modules.resolver import fetch, is_url
from tfbiggan.modules.pretrained import generator_from_official
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.exporter import check_output_path
from tfbiggan_export.exporter import export_generator


def convert(module_dir, output, truncation_grid=None, standing_stats_batches=0,
            standing_stats_batch_size=64, seed=0, jit_compile=False, overwrite=False):
  """Converts an official module folder into our TF-Hub module at `output` (atomically).

  Args:
    module_dir: an official module (TF1 hub format): its folder as downloaded and
      extracted, its .tar.gz, its URL or short name ("biggan-deep-128"; fetched into the
      cache by `tfbiggan.modules.resolver`).
    output: our module's folder.
    truncation_grid, standing_stats_batches, standing_stats_batch_size, seed: biggan v2
      only: bake per-truncation statistics for this grid (deep modules bring their own).
    jit_compile, overwrite: see `export_generator`.

  Returns: (the module's path, the official module's name).

  Raises:
    ValueError: not a BigGAN module, missing or mis-shaped variables (named), bad options.
    FileExistsError: see `check_output_path`.
  """
  check_output_path(output, overwrite)
  source = str(module_dir)
  module_dir = fetch(source)
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
  # A URL or a short name is kept as given (a URL is no file system's path to ask about).
  local = not is_url(source) and files.exists(source)
  metadata = dict(converted_from=files.absolute(source) if local else source,
                  official_module=official.name,
                  weights="EMA", bn_statistics=statistics)
  path = export_generator(generator, output, metadata=metadata, jit_compile=jit_compile,
                          overwrite=overwrite)
  return path, official.name
