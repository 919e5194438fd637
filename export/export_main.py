"""tfbiggan-export: writes a training run's EMA generator as a TF2 TF-Hub module.

The module takes z, y and truncation like the official BigGAN modules (see
tfbiggan_export.hub_module); BN standing statistics are baked for each truncation of the
grid (default the official 51 points 0, 0.02, ..., 1). The export is atomic: on any error
nothing is left at --output.

Examples:
  tfbiggan-export --model_dir=runs/digits --output=modules/digits
  tfbiggan-export --model_dir=gs://bucket/runs/biggan128 --output=biggan128 \\
      --standing_stats_batches=16 --with_discriminator
  tfbiggan-export --model_dir=runs/digits --output=modules/digits-fast \\
      --standing_stats_batches=0   # reuse the statistics the run baked
"""

import sys

from absl import app
from absl import flags
from absl import logging

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "The training run's folder (tfbiggan-train --model_dir).")
flags.DEFINE_string("output", None, "The module's folder; must not exist (see --overwrite).")
flags.DEFINE_list("truncation_grid", None,
                  "Truncation values that get their own BN statistics (default: the official "
                  "51 points 0, 0.02, ..., 1).")
flags.DEFINE_integer("standing_stats_batches", 16,
                     "Batches of standing statistics per grid point (0: keep the statistics "
                     "the run baked after its last step, for its own grid).", lower_bound=0)
flags.DEFINE_integer("standing_stats_batch_size", 64, "Batch size of those batches.",
                     lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of the standing-statistics noise.")
flags.DEFINE_bool("with_discriminator", False, "Also export D (for fine-tuning).")
flags.DEFINE_string("class_names", None,
                    "A text file with one class name a line (default: the run's class_names.txt, "
                    "else ImageNet's names for 1,000 classes, else the indices).")
flags.DEFINE_bool("xla", False, "Compile the module's network with XLA.")
flags.DEFINE_bool("overwrite", False, "Replace an existing --output (atomically).")


def _truncation_grid():
  from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID  # pylint: disable=import-outside-toplevel
  if FLAGS.truncation_grid is None:
    return OFFICIAL_TRUNCATION_GRID
  try:
    return tuple(float(value) for value in FLAGS.truncation_grid)
  except ValueError:
    raise app.UsageError(f"--truncation_grid must be numbers, got {FLAGS.truncation_grid}")


def _class_names():
  if FLAGS.class_names is None:
    return None
  try:
    with open(FLAGS.class_names, encoding="utf-8") as f:
      return [line.strip() for line in f if line.strip()]
  except OSError as error:
    raise app.UsageError(f"--class_names: cannot read {FLAGS.class_names}: {error.strerror}")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  for name in ("model_dir", "output"):
    if not FLAGS[name].value:
      raise app.UsageError(f"--{name} is required")
  grid, names = _truncation_grid(), _class_names()
  from tfbiggan_export.exporter import export_run  # pylint: disable=import-outside-toplevel
  try:
    path = export_run(FLAGS.model_dir, FLAGS.output, grid, FLAGS.standing_stats_batches,
                      FLAGS.standing_stats_batch_size, FLAGS.seed, FLAGS.with_discriminator,
                      names, FLAGS.xla, FLAGS.overwrite)
  except (ValueError, OSError) as error:
    print(f"tfbiggan-export: error: {error}; nothing was written to {FLAGS.output}",
          file=sys.stderr)
    return 2
  logging.info("wrote the module to %s", path)
  print(path)
  return 0


def run():
  """Console-script entry point."""
  app.run(main)


if __name__ == "__main__":
  run()
