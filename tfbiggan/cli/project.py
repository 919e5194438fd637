"""tfbiggan-project: find the generator input whose image matches a photo (projection).

Gradient descent through the module finds (z, class embedding) whose image matches --image
(centre-cropped and resized to the module's resolution): a short search over starting classes
and noise vectors, then refinement of the best (see tfbiggan.latent.projection). The loss is
the pixel error, plus the discriminator-feature error when the module carries its
discriminator (tfbiggan-export --with_discriminator). --class gives the class to start from;
without it every class is tried when the module has at most --max_candidates classes, else
the search starts from the mean class embedding (pass --class for ImageNet modules).

Writes --out (.npz: z, embedding, truncation, nearest class, PSNR), which tfbiggan-sample
--latent and tfbiggan-interpolate --from_latent read, and beside it <out>.png: the input next
to its reconstruction. Module, image and outputs may be on a bucket (gs://...).

Examples:
  tfbiggan-project --module=modules/biggan-deep-128 --image=dog.jpg --class="golden retriever" \\
      --out=dog.npz
  tfbiggan-project --module=modules/digits --image=my_seven.png --steps=400 --out=seven.npz
"""

from absl import app
from absl import flags

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, common.MODULE_HELP)
flags.DEFINE_string("image", None, "The image to project (PNG, JPEG, GIF or BMP).")
flags.DEFINE_string("class", None, "Start from this class (index or name); default: search.")
flags.DEFINE_string("out", None, "The .npz to write; the comparison goes to <out>.png.")
flags.DEFINE_integer("steps", 300, "Adam steps in all.", lower_bound=1)
flags.DEFINE_integer("search_steps", None, "Steps of the search over starts (default: a "
                     "quarter of --steps).", lower_bound=0)
flags.DEFINE_integer("restarts", 3, "Noise vectors tried per candidate class.", lower_bound=1)
flags.DEFINE_integer("max_candidates", 16, "Without --class, try every class of modules with "
                     "at most this many classes.", lower_bound=1)
flags.DEFINE_float("learning_rate", 0.05, "Adam's learning rate.", lower_bound=0.0)
flags.DEFINE_float("truncation", 1.0, "Truncation t: z stays in [-2t, 2t], and the module "
                   "uses its BN statistics of t.", lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float("feature_weight", 1.0, "Weight of the discriminator-feature loss (when the "
                   "module carries its discriminator; 0: pixels only).", lower_bound=0.0)
flags.DEFINE_enum("precision", "float32", common.SAMPLING_PRECISIONS, common.PRECISION_HELP)
flags.DEFINE_integer("seed", 0, "Seed of the starting noise: the same seed, the same result.")
flags.DEFINE_integer("scale", 0, "Integer upscaling in <out>.png (0: to at least 128 px).",
                     lower_bound=0)


def comparison_path(out):
  """<out without .npz>.png: where the input / reconstruction pair goes."""
  return out[:-len(".npz")] + ".png"


def main(argv):
  del argv
  common.require("module", "image", "out")
  if not FLAGS.out.lower().endswith(".npz"):
    raise app.UsageError(f"--out must name a .npz file, got {FLAGS.out}")
  # pylint: disable=import-outside-toplevel
  from tfbiggan import files
  if files.absolute(comparison_path(FLAGS.out)) == files.absolute(FLAGS.image):
    raise app.UsageError(f"--out={FLAGS.out} would overwrite --image={FLAGS.image} with the "
                         "comparison picture (<out>.png); choose another --out")
  if FLAGS.search_steps is not None and FLAGS.search_steps > FLAGS.steps:
    raise app.UsageError(f"--search_steps={FLAGS.search_steps} is more than "
                         f"--steps={FLAGS.steps}")
  # pylint: disable=import-outside-toplevel
  import numpy as np
  from tfbiggan.class_names import lookup_class
  from tfbiggan.modules.generator_module import (module_class_names, module_resolution,
                                                 require_embedding_signature)
  from tfbiggan.image_grid import save_image_grid
  from tfbiggan.data.preprocessing import read_image
  from tfbiggan.latent.projection import describe, project
  if not files.exists(FLAGS.image):
    raise common.UserError(f"no image at --image={FLAGS.image}")
  module = common.load_module()
  require_embedding_signature(module)
  names = module_class_names(module)
  hint = None if FLAGS["class"].value is None else lookup_class(FLAGS["class"].value, names)
  resolution = module_resolution(module)
  try:
    target = read_image(FLAGS.image, resolution)
  except Exception as error:  # pylint: disable=broad-except
    # TensorFlow's decoder raises InvalidArgumentError for a file that is not an image.
    raise common.UserError(f"--image={FLAGS.image} could not be read as an image "
                           f"({type(error).__name__}); give a PNG, JPEG, GIF or BMP") from None
  projection, = project(module, target[None], [hint], steps=FLAGS.steps,
                        search_steps=FLAGS.search_steps, restarts=FLAGS.restarts,
                        max_candidates=FLAGS.max_candidates,
                        learning_rate=FLAGS.learning_rate, truncation=FLAGS.truncation,
                        feature_weight=FLAGS.feature_weight, seed=FLAGS.seed)
  projection.save(FLAGS.out)
  scale = FLAGS.scale or max(1, -(-128 // resolution))
  comparison = save_image_grid(
      comparison_path(FLAGS.out), np.stack([target, projection.reconstruction]), 1, 2,
      title=f"input | projection, {projection.psnr:.1f} dB", scale=scale)
  print(describe(projection, names))
  print(FLAGS.out)
  print(comparison)
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-project", __name__)


if __name__ == "__main__":
  run()
