"""tfbiggan-demo: samples a BigGAN preset into PNG grids, offline.

Until the training loop lands (see README "Status"), the generator is *randomly
initialised*: the grids show the machinery (class conditioning, standing statistics per
truncation value), not learned digits. It writes, into --output_dir:
  samples.png     rows = classes, columns = samples (hub-convention truncated noise)
  truncation.png  rows = truncation values, columns = samples of one class, same noise

Example:
  tfbiggan-demo --config=digits-32 --output_dir=outputs/demo --truncation=0.5
"""

import os
import sys
import time

from absl import app
from absl import flags

from tfbiggan.configs import list_configs

FLAGS = flags.FLAGS
flags.DEFINE_enum("config", "digits-32", list_configs(), "Preset to sample.")
flags.DEFINE_string("output_dir", os.path.join("outputs", "demo"), "Where the PNGs go.")
flags.DEFINE_integer("samples_per_class", 8, "Columns of samples.png.", lower_bound=1,
                     upper_bound=32)
flags.DEFINE_integer("num_classes_shown", 10, "Rows of samples.png (the first classes).",
                     lower_bound=1, upper_bound=100)
flags.DEFINE_float("truncation", 1.0, "Truncation of samples.png's noise, in [0, 1].",
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_list("truncation_rows", ["1.0", "0.8", "0.6", "0.4", "0.2"],
                  "Truncation values, one row each, of truncation.png; each in [0, 1].")
flags.DEFINE_integer("standing_batches", 8, "Batches of standing statistics per truncation.",
                     lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of weights and noise.")


def _truncation_rows():
  try:
    values = sorted({float(v) for v in FLAGS.truncation_rows})
  except ValueError:
    raise app.UsageError(f"--truncation_rows must be numbers, got {FLAGS.truncation_rows}")
  if not values or values[0] < 0 or values[-1] > 1:
    raise app.UsageError(f"--truncation_rows must lie in [0, 1], got {FLAGS.truncation_rows}")
  return values


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  rows = _truncation_rows()
  grid = tuple(sorted(set(rows) | {FLAGS.truncation}))
  # Heavy imports after flag validation, so --help and bad flags answer at once.
  import keras
  import numpy as np
  import tensorflow as tf

  import tfbiggan
  from tfbiggan.image_grid import save_image_grid
  from tfbiggan.standing_statistics import bake_truncation_statistics

  start = time.time()
  keras.utils.set_random_seed(FLAGS.seed)
  config = tfbiggan.get_config(FLAGS.config, truncation_grid=grid)
  generator = tfbiggan.Generator(config)
  trainable = sum(int(np.prod(w.shape)) for w in generator.trainable_weights)
  print(f"{config.name}: randomly initialised generator, {trainable:,} trainable "
        f"parameters (training is not implemented yet).")
  print(f"Baking standing statistics for truncations {list(grid)} ...", flush=True)
  bake_truncation_statistics(generator, num_batches=FLAGS.standing_batches, batch_size=64,
                             seed=FLAGS.seed)
  sample = tf.function(lambda z, y, t: generator(z, y, truncation=t))

  classes = min(FLAGS.num_classes_shown, config.num_classes)
  cols = FLAGS.samples_per_class
  labels = np.repeat(np.arange(classes), cols)
  z = tfbiggan.truncated_noise(len(labels), config.dim_z, FLAGS.truncation, seed=FLAGS.seed)
  images = sample(z, tf.one_hot(labels, config.num_classes), tf.constant(FLAGS.truncation))
  scale = max(1, 64 // config.resolution)
  samples_path = save_image_grid(
      os.path.join(FLAGS.output_dir, "samples.png"), images.numpy(), classes, cols,
      row_labels=[f"class {c}" for c in range(classes)], scale=scale,
      title=f"{config.name} (untrained), truncation {FLAGS.truncation}")

  base = tfbiggan.truncated_noise(cols, config.dim_z, 1.0, seed=FLAGS.seed + 1)
  y = tf.one_hot(np.zeros(cols, np.int64), config.num_classes)
  rows_images = [sample(tf.constant(base * t), y, tf.constant(t)).numpy() for t in rows]
  truncation_path = save_image_grid(
      os.path.join(FLAGS.output_dir, "truncation.png"), np.concatenate(rows_images),
      len(rows), cols, row_labels=[f"t={t:g}" for t in rows], scale=scale,
      title=f"{config.name} (untrained), class 0, same noise scaled by t")
  print(f"Wrote {samples_path} and {truncation_path} in {time.time() - start:.1f}s.")


def run():
  """Console-script entry point."""
  app.run(main)


if __name__ == "__main__":
  sys.exit(run())
