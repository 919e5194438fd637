"""Standing statistics: G's BN moments accumulated over many batches of sampled noise.

Paper App. C / CG `eval_gan_lib.py`: at evaluation, G's batch norms use statistics averaged
over many forward passes at the sampling distribution rather than moving averages. The
official BigGAN-deep modules hold one set per truncation value (51 points, 0 to 1);
`bake_truncation_statistics` fills such a grid (`BigGANConfig.truncation_grid`).
"""

import tensorflow as tf

from tfbiggan.progress import Progress
from tfbiggan.sampling import noise_batches


def accumulate_standing_statistics(generator, num_batches=16, batch_size=64, truncation=1.0,
                                   seed=0, convention="hub"):
  """Resets every BN accumulator of `generator` and accumulates `num_batches` batches.

  Noise is truncated noise at `truncation` (see `tfbiggan.sampling`) and classes are
  uniform; both are seeded, so the result is reproducible. Afterwards, inference calls
  (training=False, no truncation grid) normalise with these statistics.
  """
  _accumulate(generator, _accumulation_step(generator), num_batches, batch_size, truncation,
              seed, convention)


def _accumulation_step(generator):
  """One traced accumulation pass, reused for every batch and truncation value."""
  return tf.function(lambda z, y: generator(z, y, accumulate=True))


def _accumulate(generator, step, num_batches, batch_size, truncation, seed, convention):
  config = generator.config
  for bn in generator.batch_norms:
    bn.reset_accumulators()
  for z, y in noise_batches(num_batches * batch_size, config.dim_z, config.num_classes,
                            truncation, batch_size, seed, convention):
    step(tf.constant(z), tf.constant(y))


def bake_truncation_statistics(generator, num_batches=16, batch_size=64, seed=0,
                               convention="hub", log_progress=False):
  """Accumulates standing statistics at every point of the config's truncation grid.

  log_progress: log a line with the ETA after each grid point.

  Raises:
    ValueError: when the generator's config has no `truncation_grid` (or, from
      `truncated_noise`, a grid point outside the convention's range).
  """
  grid = generator.config.truncation_grid
  if not grid:
    raise ValueError("the generator's config has no truncation_grid; build it with e.g. "
                     "get_config(name, truncation_grid=OFFICIAL_TRUNCATION_GRID)")
  step = _accumulation_step(generator)
  progress = Progress("standing statistics: truncation", len(grid), "points")
  for index, truncation in enumerate(grid):
    _accumulate(generator, step, num_batches, batch_size, truncation, seed, convention)
    for bn in generator.batch_norms:
      bn.store_truncation_statistics(index)
    if log_progress:
      progress.update()
