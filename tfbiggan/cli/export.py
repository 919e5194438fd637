"""tfbiggan-export: writes a training run's EMA generator as a TF2 TF-Hub module.

The module takes z, y and truncation like the official BigGAN modules (see
tfbiggan_export.hub_module); BN standing statistics are baked for each truncation of the
grid (default the run's own grid, or the official 51 points 0, 0.02, ..., 1 for a run without
one). The export is atomic: on any error
nothing is left at --output. Run and output may be on a bucket (gs://...).

Examples:
  tfbiggan-export --model_dir=runs/digits --output=modules/digits
  tfbiggan-export --model_dir=runs/digits --output=gs://bucket/modules/digits-with-d \\
      --standing_stats_batches=16 --with_discriminator
  tfbiggan-export --model_dir=runs/digits --output=modules/digits-fast \\
      --standing_stats_batches=0   # reuse the statistics the run baked
  tfbiggan-export --model_dir=runs/digits --output=modules/digits-best \\
      --checkpoint=best            # the best by FID, from before a collapse
"""

from absl import flags
from absl import logging

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("model_dir", None, "The training run's folder (tfbiggan-train --model_dir).")
flags.DEFINE_string("output", None, "The module's folder; must not exist (see --overwrite).")
flags.DEFINE_list("truncation_grid", None,
                  "Truncation values that get their own BN statistics (default: the run's own "
                  "grid, or the official 51 points 0, 0.02, ..., 1 for a run without one).")
flags.DEFINE_integer("standing_stats_batches", 16,
                     "Batches of standing statistics per grid point (0: keep the statistics "
                     "the run baked after its last step, for its own grid).", lower_bound=0)
flags.DEFINE_integer("standing_stats_batch_size", 64, "Batch size of those batches.",
                     lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of the standing-statistics noise.")
flags.DEFINE_bool("with_discriminator", False, "Also export D (for fine-tuning).")
flags.DEFINE_bool("trainable_call", False, "Also trace __call__(training=True), for "
                  "fine-tuning through hub.KerasLayer(trainable=True); makes the module slower "
                  "to load (docs/benchmarks.md).")
flags.DEFINE_string("class_names", None,
                    "A text file with one class name a line (default: the run's class_names.txt, "
                    "else ImageNet's names for 1,000 classes, else the indices).")
flags.DEFINE_bool("xla", False, "Compile the module's network with XLA.")
flags.DEFINE_bool("overwrite", False, "Replace an existing --output (atomically).")
flags.DEFINE_string("checkpoint", "latest",
                    "Which checkpoint of the run: latest (the generator baked after the last "
                    "step, else the newest checkpoint), best (the best the periodic evaluation "
                    "kept: tfbiggan-train --eval_every, --keep_best), or a step.")


def main(argv):
  del argv
  common.require("model_dir", "output")
  # pylint: disable=import-outside-toplevel
  from tfbiggan import files
  from tfbiggan_export.exporter import export_run
  grid = common.float_list("truncation_grid", FLAGS.truncation_grid, 0.0, 1.0)
  names = None
  if FLAGS.class_names:
    if not files.exists(FLAGS.class_names):
      raise common.UserError(f"--class_names={FLAGS.class_names} does not exist")
    names = [line.strip() for line in files.read_text(FLAGS.class_names).splitlines()
             if line.strip()]
  with common.nothing_written_to(FLAGS.output):
    path = export_run(FLAGS.model_dir, FLAGS.output, grid or None,
                      FLAGS.standing_stats_batches, FLAGS.standing_stats_batch_size, FLAGS.seed,
                      FLAGS.with_discriminator, names, FLAGS.xla, FLAGS.overwrite,
                      FLAGS.trainable_call, FLAGS.checkpoint)
  logging.info("wrote the module to %s", path)
  print(path)
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-export", __name__)


if __name__ == "__main__":
  run()
