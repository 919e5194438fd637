"""Does training learn? digits-32 trained for the demo budget, judged by a digits classifier.

Trains (or, with --model_dir of a finished run, reuses) digits-32 on the bundled digits'
train split, then samples the EMA generator and prints:
  * the share of samples that a CNN trained on the real train digits assigns to the
    requested class, at truncation 1.0 and 0.5 (goal: >= 95 % at 0.5);
  * FID in that CNN's 128-d feature space between 2,000 samples and the 360 held-out test
    digits.
Baselines measured in the same run: the classifier on the held-out real digits (accuracy
ceiling), the train split against the test split (FID floor) and the untrained generator
(FID of no learning); the ratios put the trained figures between them.

  python benchmarks/digits_learning.py                        # trains ~10 min on 2 cores
  python benchmarks/digits_learning.py --model_dir=outputs/demo/run --steps=0
"""

import os
import tempfile
import time

from absl import app
from absl import flags

flags.DEFINE_string("model_dir", None, "Run folder (default: a temporary one).")
flags.DEFINE_integer("steps", None, "Training steps (default: the demo's).",
                     lower_bound=0)
flags.DEFINE_integer("num_samples", 2000, "Samples per truncation.", lower_bound=10)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  import numpy as np  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.data.digits import load_digits_array  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.demo_options import DEMO_STEPS, demo_options  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics import feature_statistics, frechet_distance_from_statistics  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.classifier import KerasClassifier, activations  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.digits_classifier import train_digits_classifier  # pylint: disable=import-outside-toplevel
  from tfbiggan.sampling import sample_images  # pylint: disable=import-outside-toplevel
  from tfbiggan.run_dir import RunDir  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.loop import train  # pylint: disable=import-outside-toplevel

  model_dir = FLAGS.model_dir or tempfile.mkdtemp(prefix="digits_learning_")
  steps = DEMO_STEPS if FLAGS.steps is None else FLAGS.steps
  config = tfbiggan.get_config("digits-32")
  start = time.time()
  if steps:
    train(config, demo_options(model_dir, steps))
  train_seconds = time.time() - start
  generator = RunDir(model_dir).load_ema_generator()

  train_x, train_y = load_digits_array("train")
  test_x, test_y = load_digits_array("test")
  classifier = KerasClassifier(train_digits_classifier(train_x, train_y), "features")

  def classify(images):
    logits, features = activations(images, classifier)
    return logits.argmax(-1), features

  test_pred, test_features = classify(test_x)
  real_accuracy = float(np.mean(test_pred == test_y))
  _, train_features = classify(train_x)
  test_stats = feature_statistics(test_features)

  def fid(features):
    return frechet_distance_from_statistics(*feature_statistics(features), *test_stats)

  labels = np.arange(FLAGS.num_samples) % 10
  untrained = tfbiggan.Generator(config)
  _, untrained_features = classify(sample_images(untrained, labels, 1.0))
  fid_floor, fid_untrained = fid(train_features), fid(untrained_features)
  from tfbiggan.run_dir import RunDir  # pylint: disable=import-outside-toplevel
  run_step = RunDir(model_dir).checkpoint_step()
  trained = f"trained here in {train_seconds / 60:.1f} min" if steps else "an existing run"
  print(f"digits-32 at step {run_step} ({trained}) in {model_dir}")
  print(f"baseline: classifier accuracy on held-out real digits {real_accuracy:.1%}; "
        f"FID train vs test digits {fid_floor:.2f}; FID untrained G {fid_untrained:.2f}")
  for truncation in (1.0, 0.5):
    predicted, features = classify(sample_images(generator, labels, truncation))
    accuracy = float(np.mean(predicted == labels))
    score = fid(features)
    print(f"truncation {truncation}: class accuracy {accuracy:.1%} "
          f"({accuracy / real_accuracy:.3f} x real); FID {score:.2f} "
          f"({score / fid_untrained:.3f} x untrained, {score / max(fid_floor, 1e-9):.1f} x "
          "floor)")
  if not FLAGS.model_dir:
    print(f"(run left in {model_dir}; delete it when done)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
