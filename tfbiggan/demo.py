"""tfbiggan-demo: trains digits-32 on the bundled handwritten digits, then draws it. Offline.

The README's first command. On two CPU cores it trains for about eight minutes (DEMO_STEPS
= 3,000 steps of batch 64; a rerun resumes, so --steps=N continues a finished demo), then writes into
--output_dir:
  samples.png     rows = digits 0-9, columns = samples, EMA generator at --truncation
  truncation.png  rows = truncation values, columns = the same noise scaled by t, digit 3
  run/            the training run (checkpoints, TensorBoard summaries, samples per step)
  module/         the EMA generator as a TF2 TF-Hub module (z, y, truncation), as
                  tfbiggan-export writes it (with the run's own truncation grid)
  eval/           truncation_curve.png / .json: IS against FID of the module at truncations
                  1.0 ... 0.2 (the paper's fidelity / variety trade-off)
and prints how often a CNN trained on the real digits recognises the requested digit, and
the metrics table (that CNN as classifier, the 360 held-out test digits as reference).

Example:
  tfbiggan-demo                               # train, draw, judge
  tensorboard --logdir outputs/demo/run       # losses, D outputs, singular values, samples
"""

import os
import time

from absl import app
from absl import flags

from tfbiggan.training.demo_options import DEMO_STEPS, demo_options

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", os.path.join("outputs", "demo"), "Where everything goes.")
flags.DEFINE_integer("steps", DEMO_STEPS, "Training steps to reach (a rerun resumes).",
                     lower_bound=0)
flags.DEFINE_integer("samples_per_class", 8, "Columns of samples.png.", lower_bound=1,
                     upper_bound=32)
flags.DEFINE_float("truncation", 0.5, "Truncation of samples.png (a value of the digits-32 "
                   "truncation grid 0, 0.25, 0.5, 0.75, 1 uses its own statistics).",
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_list("truncation_rows", ["1.0", "0.75", "0.5", "0.25"],
                  "Truncation values, one row each, of truncation.png; each in [0, 1].")
flags.DEFINE_bool("judge", True, "Train a digits classifier and report the share of samples "
                  "recognised as the requested digit.")
flags.DEFINE_integer("seed", 0, "Seed of weights, data order and noise.")
flags.DEFINE_bool("export", True, "Export the EMA generator as a TF-Hub module into "
                  "<output_dir>/module (replacing an earlier one).")
flags.DEFINE_integer("judge_epochs", 20, "Training epochs of the judge CNN (20: about 20 s, "
                     "98 % of held-out digits).", lower_bound=1)
flags.DEFINE_integer("eval_samples", 2000, "Samples per truncation of the truncation curve "
                     "(with --judge and --export; 0: no curve).", lower_bound=0)

CURVE_TRUNCATIONS = (1.0, 0.8, 0.6, 0.4, 0.2)


def _truncation_curve(classifier, module_path):
  """Measures the exported module with the judge `classifier`; writes and prints the curve."""
  # pylint: disable=import-outside-toplevel
  import tensorflow as tf
  from tfbiggan.data import evaluation_dataset, make_source
  from tfbiggan.metrics import evaluate
  held_out = evaluation_dataset(make_source("digits", 32, "test"), 100)
  reference = evaluate.compute_reference((images.numpy() for images, _ in held_out),
                                         classifier, description="digits/test, demo CNN")
  results = evaluate.truncation_curve(
      tf.saved_model.load(module_path), classifier, reference, CURVE_TRUNCATIONS,
      FLAGS.eval_samples, seed=FLAGS.seed, num_splits=min(10, FLAGS.eval_samples // 20))
  print(evaluate.format_table(results))
  paths = evaluate.save_truncation_curve(
      results, os.path.join(FLAGS.output_dir, "eval", "truncation_curve"),
      title=f"digits-32 demo, {FLAGS.eval_samples} samples per point, the demo's CNN")
  scores = [r["inception_score"] for r in results]
  rising = all(a <= b for a, b in zip(scores, scores[1:]))
  print(f"Wrote {paths[1]}. IS {'rises' if rising else 'does not rise'} monotonically as the "
        f"truncation falls ({scores[0]:.2f} at t={CURVE_TRUNCATIONS[0]:g}, {scores[-1]:.2f} at "
        f"t={CURVE_TRUNCATIONS[-1]:g}).")


def _truncation_rows():
  try:
    values = sorted({float(v) for v in FLAGS.truncation_rows}, reverse=True)
  except ValueError:
    raise app.UsageError(f"--truncation_rows must be numbers, got {FLAGS.truncation_rows}")
  if not values or values[-1] < 0 or values[0] > 1:
    raise app.UsageError(f"--truncation_rows must lie in [0, 1], got {FLAGS.truncation_rows}")
  return values


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  rows = _truncation_rows()
  if 0 < FLAGS.eval_samples < 200:
    raise app.UsageError(f"--eval_samples must be 0 or at least 200 (FID needs more samples "
                         f"than the CNN's 128 features), got {FLAGS.eval_samples}")
  # Heavy imports after flag validation, so --help and bad flags answer at once.
  import numpy as np  # pylint: disable=import-outside-toplevel

  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.image_grid import save_image_grid  # pylint: disable=import-outside-toplevel
  from tfbiggan.sampling import sample_images  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.checkpoints import load_ema_generator  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.loop import train  # pylint: disable=import-outside-toplevel

  start = time.time()
  config = tfbiggan.get_config("digits-32")
  model_dir = os.path.join(FLAGS.output_dir, "run")
  print(f"Training {config.name} on scikit-learn's digits for {FLAGS.steps} steps into "
        f"{model_dir} (about {FLAGS.steps / 400:.0f} min on 2 CPU cores; rerun to resume).",
        flush=True)
  result = train(config, demo_options(model_dir, FLAGS.steps, FLAGS.seed))
  if result["stopped"] == "sigterm":
    print("Stopped by SIGTERM after saving; rerun to resume.")
    return 0
  generator = load_ema_generator(model_dir)

  cols = FLAGS.samples_per_class
  labels = np.repeat(np.arange(10), cols)
  scale = 2
  images = sample_images(generator, labels, FLAGS.truncation, seed=FLAGS.seed)
  samples_path = save_image_grid(
      os.path.join(FLAGS.output_dir, "samples.png"), images, 10, cols,
      row_labels=[f"digit {d}" for d in range(10)], scale=scale,
      title=f"{config.name}, step {result['step']}, EMA G, truncation {FLAGS.truncation:g}")
  noise_rows = [sample_images(generator, np.full(cols, 3), t, seed=FLAGS.seed + 1)
                for t in rows]
  truncation_path = save_image_grid(
      os.path.join(FLAGS.output_dir, "truncation.png"), np.concatenate(noise_rows),
      len(rows), cols, row_labels=[f"t={t:g}" for t in rows], scale=scale,
      title=f"{config.name}: digit 3, the same noise scaled by t")
  print(f"Wrote {samples_path} and {truncation_path}.")
  module = None
  if FLAGS.export:
    from tfbiggan_export.exporter import export_run  # pylint: disable=import-outside-toplevel
    module = export_run(model_dir, os.path.join(FLAGS.output_dir, "module"),
                        config.truncation_grid, standing_stats_batches=0, overwrite=True)
    print(f"Exported the generator as a TF-Hub module to {module}; try\n  tfbiggan-sample "
          f"--module={module} --classes=0,1,2,3 --truncation=0.5 --out=grid.png")
  if FLAGS.judge:
    from tfbiggan.metrics.classifier import activations, digits_classifier  # pylint: disable=import-outside-toplevel
    judge = digits_classifier(epochs=FLAGS.judge_epochs)
    judged = np.arange(1000) % 10
    for truncation in (1.0, 0.5):
      logits, _ = activations(sample_images(generator, judged, truncation), judge)
      predicted = logits.argmax(-1)
      print(f"A CNN trained on the real digits recognises {np.mean(predicted == judged):.1%} "
            f"of 1,000 samples at truncation {truncation:g} as the requested digit.")
    if module and FLAGS.eval_samples:
      _truncation_curve(judge, module)
  print(f"Done in {(time.time() - start) / 60:.1f} min.")
  return 0


def run():
  """Console-script entry point."""
  app.run(main)


if __name__ == "__main__":
  run()
