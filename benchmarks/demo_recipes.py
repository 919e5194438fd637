"""Which digits-32 recipe gives the demo diverse samples? One variant per run, the demo's
figures for each.

Trains digits-32 with the demo's options and the config overrides given (or reuses a
finished run in --model_dir), then measures, with the demo's judge (a CNN trained on the
real train digits) against the 360 held-out test digits:
  * the share of samples the judge assigns to the requested class at t = 1 and 0.5;
  * FID, precision and recall (k = 3) in the judge's features at t = 1 (2,000 samples);
  * same-class diversity: the mean pairwise distance of features of samples of one class,
    over the same figure for the real test digits of that class.
Baselines measured in the same run: the train split against the test split (FID floor,
precision, recall and diversity of real data). With --checkpoints, the same figures for
every kept checkpoint (the last five), of the EMA generator and of the trained G itself
(standing statistics accumulated for each), to see where recall comes from and how it moves.

  python benchmarks/demo_recipes.py                                  # the demo's recipe
  python benchmarks/demo_recipes.py --overrides=diff_augment=translation,cutout
  python benchmarks/demo_recipes.py --overrides="lecam_weight=0.3;d_steps=2" --steps=2500
  python benchmarks/demo_recipes.py --model_dir=runs/recipe --checkpoints
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import machine
from overrides import parse_overrides
from tfbiggan.training.options import TRAINING_PRECISIONS

flags.DEFINE_string("model_dir", None, "Run folder (default: a temporary one); a finished "
                    "run is measured as it is.")
flags.DEFINE_integer("steps", None, "Training steps (default: the demo's).",
                     lower_bound=1)
flags.DEFINE_string("overrides", "", "Config overrides, 'field=value;field=value' (values "
                    "as JSON, else strings).")
flags.DEFINE_integer("num_samples", 2000, "Samples measured at t = 1.", lower_bound=100)
flags.DEFINE_enum("precision", "float32", TRAINING_PRECISIONS, "Training compute (float32 "
                  "weights in all three).")
flags.DEFINE_integer("seed", 0, "Training seed (the demo's is 0); other seeds show the spread.")
flags.DEFINE_bool("checkpoints", False, "Also measure the EMA G and the trained G of every "
                  "kept checkpoint.")
FLAGS = flags.FLAGS


def _diversity(features, labels):
  """Mean over classes of the mean pairwise distance between features of one class."""
  import numpy as np  # pylint: disable=import-outside-toplevel
  spreads = []
  for label in np.unique(labels):
    group = features[labels == label][:200]
    distances = np.linalg.norm(group[:, None] - group[None], axis=-1)
    spreads.append(distances.sum() / (len(group) * (len(group) - 1)))
  return float(np.mean(spreads))


def _checkpoint_generators(model_dir):
  """(step, "EMA G" or "trained G", generator with standing statistics) of every kept
  checkpoint, oldest first."""
  # pylint: disable=import-outside-toplevel
  import tensorflow as tf
  from tfbiggan.models.generator import Generator
  from tfbiggan.run_dir import RunDir, variables_by_path
  from tfbiggan.standing_statistics import bake_truncation_statistics
  run = RunDir(model_dir)
  state = tf.train.get_checkpoint_state(model_dir)
  for path in state.all_model_checkpoint_paths:
    step = int(tf.train.load_variable(path, "step/.ATTRIBUTES/VARIABLE_VALUE"))
    for which, key in (("EMA G", "ema_generator"), ("trained G", "generator")):
      generator = Generator(run.config())
      tf.train.Checkpoint(**{key: variables_by_path(generator.weights)}).read(path) \
          .assert_existing_objects_matched().expect_partial()
      bake_truncation_statistics(generator)
      yield step, which, generator


def main(argv):
  del argv
  import numpy as np  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.data.digits import load_digits_array  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics import feature_statistics, frechet_distance_from_statistics  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.classifier import activations, digits_classifier  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.precision_recall import precision_recall  # pylint: disable=import-outside-toplevel
  from tfbiggan.run_dir import RunDir  # pylint: disable=import-outside-toplevel
  from tfbiggan.sampling import sample_images  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.demo_options import DEMO_STEPS, demo_options  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.loop import train  # pylint: disable=import-outside-toplevel

  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  overrides = parse_overrides(FLAGS.overrides)
  config = tfbiggan.get_config("digits-32", **overrides)
  model_dir = FLAGS.model_dir or tempfile.mkdtemp(prefix="demo_recipe_")
  steps = DEMO_STEPS if FLAGS.steps is None else FLAGS.steps
  start = time.time()
  result = train(config, demo_options(model_dir, steps, seed=FLAGS.seed,
                                      precision=FLAGS.precision))
  trained = ("already trained" if result["stopped"] == "already_done"
             else f"{(time.time() - start) / 60:.1f} min of training")

  judge = digits_classifier()
  train_x, _ = load_digits_array("train")
  test_x, test_y = load_digits_array("test")
  _, test_features = activations(test_x, judge)
  _, train_features = activations(train_x, judge)
  test_stats = feature_statistics(test_features)
  floor = frechet_distance_from_statistics(*feature_statistics(train_features), *test_stats)
  real_precision, real_recall = precision_recall(test_features, train_features, k=3)
  real_spread = _diversity(test_features, test_y)
  print(f"recipe: {overrides or 'the demo (digits-32 preset)'}, {steps} steps, "
        f"{FLAGS.precision}, seed {FLAGS.seed}, "
        f"{trained}")
  print(f"real train vs test digits: FID {floor:.2f} (floor), precision {real_precision:.3f} "
        f"recall {real_recall:.3f}")
  labels = np.arange(FLAGS.num_samples) % 10

  def measure(generator):
    logits, features = activations(sample_images(generator, labels, 1.0), judge)
    fid = frechet_distance_from_statistics(*feature_statistics(features), *test_stats)
    precision, recall = precision_recall(test_features, features, k=3)
    accuracy_half = np.mean(activations(sample_images(generator, labels, 0.5), judge)[0]
                            .argmax(-1) == labels)
    return (f"t=1: class accuracy {np.mean(logits.argmax(-1) == labels):.1%}, FID {fid:.2f} "
            f"({fid / floor:.2f} x floor), precision {precision:.3f} recall {recall:.3f}, "
            f"same-class diversity {_diversity(features, labels) / real_spread:.2f} x real; "
            f"t=0.5: class accuracy {accuracy_half:.1%}")

  print("the run's EMA generator:", measure(RunDir(model_dir).load_ema_generator()))
  if FLAGS.checkpoints:
    for step, which, generator in _checkpoint_generators(model_dir):
      print(f"step {step}, {which}:", measure(generator))
  if not FLAGS.model_dir:
    print(f"(run left in {model_dir}; delete it when done)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
