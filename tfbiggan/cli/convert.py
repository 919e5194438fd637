"""tfbiggan-convert: an official DeepMind BigGAN TF-Hub module -> our TF2 module.

--module is an official module: a short name (biggan-deep-128), its URL, its .tar.gz, or its
folder as downloaded and extracted (TF1 hub format:
saved_model.pb, variables/, tfhub_module.pb) of biggan-{128,256,512}/2 or
biggan-deep-{128,256,512}/1; the kind is recognised from its variables. The output is our
TF2 module (z, y, truncation; see tfbiggan_export.hub_module), written atomically. Both may be
on a bucket (gs://...).

Examples:
  tfbiggan-convert --module=downloads/biggan-deep-128_1 --output=modules/biggan-deep-128
  tfbiggan-convert --module=downloads/biggan-256_2 --output=modules/biggan-256 \\
      --truncation_grid=0.2,0.4,0.6,0.8,1 --standing_stats_batches=16 \\
      # biggan v2, 600 MB (not run by the docs test)
"""

from absl import flags
from absl import logging

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, "The official module: a short name (biggan-deep-128), its "
                    "URL, its .tar.gz or its extracted folder.")
flags.DEFINE_string("output", None, "Our module's folder; must not exist (see --overwrite).")
flags.DEFINE_list("truncation_grid", None,
                  "biggan v2 only: truncations to bake BN statistics for (needs "
                  "--standing_stats_batches); default: the module's accumulated statistics "
                  "serve every truncation.")
flags.DEFINE_integer("standing_stats_batches", 0, "Batches per truncation when baking.",
                     lower_bound=0)
flags.DEFINE_integer("standing_stats_batch_size", 64, "Their batch size.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of the standing-statistics noise.")
flags.DEFINE_bool("xla", False, "Compile the module's network with XLA.")
flags.DEFINE_bool("overwrite", False, "Replace an existing --output (atomically).")


def main(argv):
  del argv
  common.require("module", "output")
  grid = common.float_list("truncation_grid", FLAGS.truncation_grid, 0.0, 1.0)
  from tfbiggan_export.converter import convert  # pylint: disable=import-outside-toplevel
  with common.nothing_written_to(FLAGS.output):
    path, name = convert(FLAGS.module, FLAGS.output, grid and tuple(grid),
                         FLAGS.standing_stats_batches, FLAGS.standing_stats_batch_size,
                         FLAGS.seed, FLAGS.xla, FLAGS.overwrite)
  logging.info("converted the official %s module to %s", name, path)
  print(path)
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-convert", __name__)


if __name__ == "__main__":
  run()
