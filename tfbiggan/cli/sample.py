"""tfbiggan-sample: a labelled PNG grid of samples from a generator module.

Each row is one class (by index or name; ImageNet modules know names such as "golden
retriever" or WordNet ids), each column one truncated z of the seed. Module and --out may be
on a bucket (gs://...).

Examples:
  tfbiggan-sample --module=modules/digits --classes=0,1,2,3 --out=digits.png
  tfbiggan-sample --module=modules/biggan-deep-128 --classes="golden retriever,207,n01440764" \\
      --truncation=0.4 --samples_per_class=6 --seed=3 --out=grid.png
"""

from absl import app
from absl import flags

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, "The module: a folder written by tfbiggan-export or "
                    "tfbiggan-convert, or a TF-Hub handle.")
flags.DEFINE_list("classes", None, "Classes, one row each: indices or names (default: the "
                  "first 10 classes).")
flags.DEFINE_float("truncation", 0.5, "Truncation in [0, 1] (z = t * truncnorm(-2, 2), and "
                   "the module's BN statistics of t).", lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_integer("samples_per_class", 8, "Columns of the grid.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Noise seed: the same seed gives the same images.")
flags.DEFINE_integer("scale", 0, "Integer upscaling of each image (0: to at least 128 px).",
                     lower_bound=0)
flags.DEFINE_integer("batch_size", 16, "Images per module call.", lower_bound=1)
flags.DEFINE_string("out", "samples.png", "The PNG to write.")


def main(argv):
  del argv
  common.require("module")
  if not FLAGS.out.lower().endswith(".png"):
    raise app.UsageError(f"--out must name a .png file, got {FLAGS.out}")
  # pylint: disable=import-outside-toplevel
  from tfbiggan.generator_module import load_generator_module, module_sizes, sample_class_grid
  from tfbiggan.image_grid import save_image_grid
  module = load_generator_module(FLAGS.module)
  classes = FLAGS.classes or list(range(min(10, module_sizes(module)[1])))
  images, labels = sample_class_grid(module, classes, FLAGS.samples_per_class,
                                     FLAGS.truncation, FLAGS.seed, FLAGS.batch_size)
  resolution = images.shape[1]
  scale = FLAGS.scale or max(1, -(-128 // resolution))
  save_image_grid(FLAGS.out, images, len(labels), FLAGS.samples_per_class, labels,
                  title=f"{FLAGS.module}  truncation {FLAGS.truncation:g}  seed {FLAGS.seed}",
                  scale=scale)
  print(FLAGS.out)
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-sample", __name__)


if __name__ == "__main__":
  run()
