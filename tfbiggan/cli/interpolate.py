"""tfbiggan-interpolate: a strip (and an animation) walking between two classes or two seeds.

With --to_class: each row keeps one z (of --seed) while the class moves from --from_class to
--to_class (a straight line between their embeddings). With --seeds=A,B: the class stays
--from_class while z moves from seed A's noise to seed B's along the great circle (slerp).
With --from_latent (a projection written by tfbiggan-project) in place of --from_class, the
walk keeps the projection's z and moves its class embedding to --to_class's: from a photo to
a class. --animation writes the walk as a looping GIF or WebP too. Module and outputs may be
on a bucket (gs://...).

Examples:
  tfbiggan-interpolate --module=modules/biggan-deep-128 --from_class="golden retriever" \\
      --to_class=tabby --steps=9 --rows=3 --out=dog_to_cat.png --animation=dog_to_cat.gif
  tfbiggan-interpolate --module=modules/digits --from_class=3 --seeds=0,1 --out=threes.png
  tfbiggan-interpolate --module=modules/biggan-deep-128 --from_latent=dog.npz --to_class=tabby \\
      --out=dog_to_cat.png
"""

from absl import app
from absl import flags

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, common.MODULE_HELP)
flags.DEFINE_string("from_class", None, "The class the walk starts from (index or name).")
flags.DEFINE_string("from_latent", None, "Start from this projection (.npz of "
                    "tfbiggan-project) instead of --from_class; its truncation is used.")
flags.DEFINE_string("to_class", None, "Walk to this class, with z fixed.")
flags.DEFINE_list("seeds", None, "Walk from the noise of the first seed to the second's, with "
                  "the class fixed, e.g. 0,1.")
flags.DEFINE_integer("steps", 8, "Points of the walk, both ends included.", lower_bound=2)
flags.DEFINE_integer("rows", 1, "Class walk: walks, one z each (of --seed).", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Class walk: the noise seed.")
flags.DEFINE_float("truncation", 0.5, "Truncation in [0, 1].", lower_bound=0.0,
                   upper_bound=1.0)
flags.DEFINE_integer("scale", 0, "Integer upscaling of each image (0: to at least 128 px).",
                     lower_bound=0)
flags.DEFINE_integer("batch_size", 16, "Images per module call.", lower_bound=1)
flags.DEFINE_enum("precision", "float32", common.SAMPLING_PRECISIONS, common.PRECISION_HELP)
flags.DEFINE_string("out", "interpolation.png", "The PNG strip to write.")
flags.DEFINE_string("animation", None, "Also write the walk as a looping .gif or .webp "
                    "(each frame a column of the strip).")


def _check_flags():
  common.require("module")
  if (FLAGS.from_class is None) == (FLAGS.from_latent is None):
    raise app.UsageError("give either --from_class (a class) or --from_latent (a projection "
                         "written by tfbiggan-project) as the start of the walk")
  if FLAGS.from_latent is not None and FLAGS.to_class is None:
    raise app.UsageError("--from_latent walks to a class: give --to_class")
  if (FLAGS.to_class is None) == (FLAGS.seeds is None):
    raise app.UsageError("give either --to_class (walk between classes) or --seeds=A,B "
                         "(walk between noise vectors)")
  if FLAGS.seeds is not None and (len(FLAGS.seeds) != 2 or
                                  not all(s.strip().lstrip("-").isdigit() for s in FLAGS.seeds)):
    raise app.UsageError(f"--seeds must be two integers, e.g. 0,1; got {','.join(FLAGS.seeds)}")
  if not FLAGS.out.lower().endswith(".png"):
    raise app.UsageError(f"--out must name a .png file, got {FLAGS.out}")
  if FLAGS.animation and not FLAGS.animation.lower().endswith((".gif", ".webp")):
    raise app.UsageError(f"--animation must name a .gif or .webp file, got {FLAGS.animation}")


def main(argv):
  del argv
  _check_flags()
  # pylint: disable=import-outside-toplevel
  from tfbiggan.modules.generator_module import module_class_names, module_sizes
  from tfbiggan.image_grid import save_animation, save_image_grid
  if FLAGS.from_latent is not None:
    images, rows, truncation, title = _latent_walk()
  else:
    module = common.load_module()
    names = module_class_names(module)
    dim_z, num_classes = module_sizes(module)
    images, rows, title = _walk(module, names, dim_z, num_classes)
    truncation = FLAGS.truncation
  scale = FLAGS.scale or max(1, -(-128 // images.shape[1]))
  save_image_grid(FLAGS.out, images, rows, FLAGS.steps,
                  title=f"{title}, truncation {truncation:g}", scale=scale)
  print(FLAGS.out)
  if FLAGS.animation:
    # Frame k: column k of every row, stacked vertically.
    columns = images.reshape(rows, FLAGS.steps, *images.shape[1:]).transpose(1, 0, 2, 3, 4)
    frames = columns.reshape(FLAGS.steps, rows * images.shape[1], *images.shape[2:])
    save_animation(FLAGS.animation, frames, scale=scale)
    print(FLAGS.animation)
  return 0


def _latent_walk():
  """(images, rows, truncation, title) of the walk from a projection to --to_class."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.latent.interpolation import projection_walk
  from tfbiggan.latent.projection import Projection
  from tfbiggan.modules.pretrained import load_pretrained_with_class_names
  projection = Projection.load(FLAGS.from_latent)
  generator, names = load_pretrained_with_class_names(FLAGS.module, FLAGS.precision)
  try:
    projection.check_fits(generator.shared_embedding.w.numpy())
  except ValueError as error:
    raise common.UserError(f"--from_latent={FLAGS.from_latent}: {error}") from None
  images, end = projection_walk(generator, names, projection, FLAGS.to_class, FLAGS.steps,
                                FLAGS.batch_size)
  return images, 1, projection.truncation, f"projection -> {end}"


def _walk(module, names, dim_z, num_classes):
  """(images, rows, title) of a walk between two classes or two seeds."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.class_names import lookup_class, row_label
  from tfbiggan.modules.generator_module import generate
  from tfbiggan.latent.interpolation import class_walk, noise_walk
  start = lookup_class(FLAGS.from_class, names)
  if FLAGS.to_class is not None:
    end = lookup_class(FLAGS.to_class, names)
    rows = FLAGS.rows
    z, y = class_walk(start, end, FLAGS.steps, dim_z, num_classes, FLAGS.truncation,
                      FLAGS.seed, rows)
    title = f"{row_label(names, start)} -> {row_label(names, end)}, seed {FLAGS.seed}"
  else:
    seeds = [int(s) for s in FLAGS.seeds]
    rows = 1
    z, y = noise_walk(start, seeds, FLAGS.steps, dim_z, num_classes, FLAGS.truncation)
    title = f"{row_label(names, start)}: seed {seeds[0]} -> seed {seeds[1]}"
  images = generate(module, z, y, FLAGS.truncation, FLAGS.batch_size)
  return images, rows, title


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-interpolate", __name__)


if __name__ == "__main__":
  run()
