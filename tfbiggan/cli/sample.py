"""tfbiggan-sample: a labelled PNG grid of samples from a generator module.

Each row is one class (by index or name; ImageNet modules know names such as "golden
retriever" or WordNet ids), each column one truncated z of the seed. With --direction=K, each
column is instead one sample moved along the K-th latent direction found in closed form
(SeFa, Shen & Zhou 2021; K = 0 the strongest) by each of --strengths. Module and --out may
be on a bucket (gs://...). With --latent (a projection written by tfbiggan-project), the first
row is the projected image and each further row its z with one of --classes' embedding; with
--direction too, the columns move that z along the direction.

Examples:
  tfbiggan-sample --module=modules/digits --classes=0,1,2,3 --out=digits.png
  tfbiggan-sample --module=modules/biggan-deep-128 --classes="golden retriever,207,n01440764" \\
      --truncation=0.4 --samples_per_class=6 --seed=3 --out=grid.png
  tfbiggan-sample --module=modules/biggan-deep-128 --classes="golden retriever,tabby" \\
      --direction=0 --strengths=-4,-2,0,2,4 --out=direction0.png
  tfbiggan-sample --module=modules/biggan-deep-128 --latent=dog.npz --classes=tabby,tiger \\
      --direction=1 --out=dog_edits.png
"""

from absl import app
from absl import flags

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, common.MODULE_HELP)
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
flags.DEFINE_integer("direction", None, "Walk the K-th SeFa latent direction (0: the "
                     "strongest): rows are classes, columns --strengths.", lower_bound=0)
flags.DEFINE_list("strengths", ["-3", "-1.5", "0", "1.5", "3"], "Steps along --direction, "
                  "in units of z.")
flags.DEFINE_string("latent", None, "A projection (.npz of tfbiggan-project): draw it, and its "
                    "z with each of --classes (and along --direction).")
flags.DEFINE_enum("precision", "float32", common.SAMPLING_PRECISIONS, common.PRECISION_HELP)
flags.DEFINE_enum("direction_layers", "all", ["all", "first"], "Layers whose weights define "
                  "the directions: every layer that reads z, or G's first linear layer.")


def main(argv):
  del argv
  common.require("module")
  if not FLAGS.out.lower().endswith(".png"):
    raise app.UsageError(f"--out must name a .png file, got {FLAGS.out}")
  # pylint: disable=import-outside-toplevel
  from tfbiggan.modules.generator_module import module_sizes, sample_class_grid
  from tfbiggan.image_grid import save_image_grid
  if FLAGS.latent is not None:
    images, labels, cols, title = _latent_grid()
  elif FLAGS.direction is not None:
    images, labels, cols, title = _direction_grid()
  else:
    module = common.load_module()
    classes = FLAGS.classes or list(range(min(10, module_sizes(module)[1])))
    images, labels = sample_class_grid(module, classes, FLAGS.samples_per_class,
                                       FLAGS.truncation, FLAGS.seed, FLAGS.batch_size)
    cols = FLAGS.samples_per_class
    title = f"{FLAGS.module}  truncation {FLAGS.truncation:g}  seed {FLAGS.seed}"
  resolution = images.shape[1]
  scale = FLAGS.scale or max(1, -(-128 // resolution))
  save_image_grid(FLAGS.out, images, len(labels), cols, labels, title=title, scale=scale)
  print(FLAGS.out)
  return 0


def _direction(generator):
  """(the --direction's unit vector [dim_z], its singular value)."""
  from tfbiggan.latent.directions import sefa_directions  # pylint: disable=import-outside-toplevel
  directions, singular_values = sefa_directions(generator, FLAGS.direction_layers)
  if FLAGS.direction >= len(directions):
    raise common.UserError(f"--direction={FLAGS.direction} is out of range: the module has "
                           f"{len(directions)} directions (dim_z), 0 to {len(directions) - 1}")
  return directions[FLAGS.direction], singular_values[FLAGS.direction]


def _latent_grid():
  """(images, row labels, columns, title) of the --latent grid."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.latent.directions import latent_grid
  from tfbiggan.latent.projection import Projection
  from tfbiggan.modules.pretrained import load_pretrained_with_class_names
  projection = Projection.load(FLAGS.latent)
  generator, names = load_pretrained_with_class_names(FLAGS.module, FLAGS.precision)
  title = f"{FLAGS.latent}, truncation {projection.truncation:g}"
  direction, strengths = None, (0.0,)
  if FLAGS.direction is not None:
    strengths = common.float_list("strengths", FLAGS.strengths)
    direction, _ = _direction(generator)
    title += f", direction {FLAGS.direction}"
  try:
    images, labels, cols = latent_grid(generator, names, projection, FLAGS.classes or [],
                                       direction, strengths, FLAGS.batch_size)
  except ValueError as error:
    raise common.UserError(f"--latent={FLAGS.latent}: {error}") from None
  return images, labels, cols, title


def _direction_grid():
  """(images, row labels, columns, title) of the --direction grid."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.latent.directions import direction_grid
  from tfbiggan.modules.pretrained import load_pretrained_with_class_names
  strengths = common.float_list("strengths", FLAGS.strengths)
  generator, names = load_pretrained_with_class_names(FLAGS.module, FLAGS.precision)
  direction, singular_value = _direction(generator)
  classes = FLAGS.classes or [0]
  images, labels = direction_grid(generator, names, direction, strengths,
                                  classes, FLAGS.truncation, FLAGS.seed, FLAGS.batch_size)
  title = (f"direction {FLAGS.direction} (singular value "
           f"{singular_value:.2f}), strengths "
           f"{', '.join(f'{s:g}' for s in strengths)}, truncation {FLAGS.truncation:g}")
  return images, labels, len(strengths), title


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-sample", __name__)


if __name__ == "__main__":
  run()
