"""tfbiggan-eval: IS, FID, KID and precision / recall of a generator module per truncation.

Prints a table and writes the truncation curve (FID against IS, as in the paper) as
<output_dir>/truncation_curve.png and .json. The reference statistics of the real data are
computed once (--reference_dataset) and saved to --reference (npz), then reused. The module
and the classifier run on every replica of the machine's strategy (several GPUs, or --tpu):
each replica generates and classifies its rows of every batch. Paths may be on a bucket.

Examples (digits, offline; the classifier is the demo's digits CNN):
  tfbiggan-eval --module=outputs/demo/module --classifier=digits \\
      --reference=outputs/demo/digits_reference.npz --reference_dataset=digits \\
      --reference_split=test --truncations=1.0,0.8,0.6,0.4,0.2 --num_samples=2000
ImageNet with TF-GAN's Inception network (downloaded from TF-Hub on first use):
  tfbiggan-eval --module=modules/biggan-deep-128 --classifier=inception \\
      --reference=imagenet128_inception.npz --reference_dataset=imagenet2012 \\
      --data_dir=~/tensorflow_datasets --num_samples=50000
"""

from absl import app
from absl import flags

from tfbiggan.cli import common

FLAGS = flags.FLAGS
flags.DEFINE_string("module", None, common.MODULE_HELP)
flags.DEFINE_string("classifier", "inception",
                    "'inception' (TF-GAN's Inception from TF-Hub), 'digits' (the demo's CNN, "
                    "trained on the fly), or a SavedModel path / handle with outputs 'logits' "
                    "and 'pool_3'.")
flags.DEFINE_string("reference", None, "Reference statistics npz: read if it exists, else "
                    "computed from --reference_dataset and written there.")
flags.DEFINE_string("reference_dataset", None, "Data set of the reference (tfbiggan-train "
                    "names: digits, imagenet2012, cifar10, folder:PATH, ...).")
flags.DEFINE_string("reference_split", "train", "Its split.")
flags.DEFINE_integer("reference_samples", 50000, "At most this many reference images.",
                     lower_bound=2)
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data_dir.")
flags.DEFINE_list("truncations", ["1.0", "0.8", "0.6", "0.4", "0.2"], "Truncations to measure.")
flags.DEFINE_integer("num_samples", 10000, "Generated samples per truncation (paper: 50,000).",
                     lower_bound=20)
flags.DEFINE_integer("batch_size", 50, "Images per module call.", lower_bound=1)
flags.DEFINE_integer("num_splits", 10, "Inception Score splits.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Noise and class seed.")
flags.DEFINE_enum("precision", "float32", common.SAMPLING_PRECISIONS, common.PRECISION_HELP)
flags.DEFINE_string("output_dir", "eval", "Where truncation_curve.{png,json} go.")
flags.DEFINE_string("tpu", None, "TPU name or address ('local' on a TPU VM, '' on Colab); "
                    "without it the strategy follows the machine as in tfbiggan-train.")


def _reference_batches(resolution):
  """A function returning the reference data set's image batches (numpy), and their count."""
  # pylint: disable=import-outside-toplevel
  import tensorflow as tf
  from tfbiggan.data import evaluation_dataset, make_source
  source = make_source(FLAGS.reference_dataset, resolution, FLAGS.reference_split,
                       FLAGS.data_dir)
  dataset = evaluation_dataset(source, FLAGS.batch_size, FLAGS.reference_samples)
  return (lambda: (images.numpy() for images, _ in dataset.prefetch(tf.data.AUTOTUNE)),
          min(source.num_examples, FLAGS.reference_samples))


def main(argv):
  del argv
  common.require("module", "reference")
  truncations = common.float_list("truncations", FLAGS.truncations, 0.0, 1.0)
  # pylint: disable=import-outside-toplevel
  from tfbiggan import files
  from tfbiggan.distribute import resolve_strategy
  from tfbiggan.modules.generator_module import module_resolution
  from tfbiggan.metrics import evaluate
  from tfbiggan.metrics.classifier import classifier_by_name
  if not files.exists(FLAGS.reference) and not FLAGS.reference_dataset:
    raise app.UsageError(f"--reference={FLAGS.reference} does not exist; pass "
                         "--reference_dataset to compute it")
  strategy = resolve_strategy(FLAGS.tpu)
  module = common.load_module(strategy, tfbiggan_only=False)
  classifier = classifier_by_name(FLAGS.classifier, strategy)
  batches, count = ((None, None) if files.exists(FLAGS.reference)
                    else _reference_batches(module_resolution(module)))
  reference, computed = evaluate.load_or_compute_reference(
      FLAGS.reference, batches, classifier, total=count,
      description=f"{FLAGS.reference_dataset}/{FLAGS.reference_split}, classifier "
                  f"{FLAGS.classifier}")
  if computed:
    print(f"wrote the reference statistics ({reference.num_samples} images) to "
          f"{FLAGS.reference}")
  results = evaluate.truncation_curve(module, classifier, reference, truncations,
                                      FLAGS.num_samples, FLAGS.batch_size, FLAGS.seed,
                                      FLAGS.num_splits)
  print(evaluate.format_table(results))
  paths = evaluate.save_truncation_curve(
      results, files.join(FLAGS.output_dir, "truncation_curve"),
      title=f"{FLAGS.module.rstrip('/')}, {FLAGS.num_samples} samples per point, "
            f"classifier {FLAGS.classifier}")
  print(f"wrote {paths[0]} and {paths[1]}")
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-eval", __name__)


if __name__ == "__main__":
  run()
