"""tfbiggan-demo: trains digits-32 on the bundled handwritten digits, then draws it. Offline.

The README's first command. It trains 3,000 steps of batch 64, in bfloat16 on CPUs with AMX
or AVX512-BF16 and in float32 elsewhere (it says which and why; --precision chooses), and
logs its progress with an ETA. A rerun resumes, so --steps=N continues a finished demo.
Then it writes into --output_dir:
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
  tfbiggan-demo                       # train, draw, judge: minutes (not run by the docs test)
  tensorboard --logdir outputs/demo/run       # losses, D outputs, singular values, samples
"""

import os
import time

from absl import app
from absl import flags

from tfbiggan.cli import common
from tfbiggan.training.demo_options import DEMO_STEPS
from tfbiggan.training.precision import PRECISIONS, choose_precision

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", os.path.join("outputs", "demo"), "Where everything goes "
                    "(local or gs://).")
flags.DEFINE_integer("steps", DEMO_STEPS, "Training steps to reach (a rerun resumes; "
                     "docs/benchmarks.md gives the demo's duration).", lower_bound=0)
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
flags.DEFINE_enum("precision", "auto", PRECISIONS, "Training compute: auto = bfloat16 on "
                  "GPUs of compute capability 8.0 or more and on CPUs with AMX or AVX512-BF16 "
                  "(native bfloat16, faster), else float32.")
flags.DEFINE_bool("export", True, "Export the EMA generator as a TF-Hub module into "
                  "<output_dir>/module (replacing an earlier one).")
flags.DEFINE_integer("judge_epochs", 20, "Training epochs of the judge CNN (20: about 20 s, "
                     "98 % of held-out digits).", lower_bound=1)
flags.DEFINE_integer("eval_samples", 2000, "Samples per truncation of the truncation curve "
                     "(with --judge and --export; 0: no curve).", lower_bound=0)


def main(argv):
  del argv
  rows = sorted(set(common.float_list("truncation_rows", FLAGS.truncation_rows, 0.0, 1.0)),
                reverse=True)
  if 0 < FLAGS.eval_samples < 200:
    raise app.UsageError(f"--eval_samples must be 0 or at least 200 (FID needs more samples "
                         f"than the CNN's 128 features), got {FLAGS.eval_samples}")
  # pylint: disable=import-outside-toplevel
  from tfbiggan import demo, files
  from tfbiggan_export.exporter import export_run

  start = time.time()
  precision = choose_precision(FLAGS.precision)
  steps = FLAGS.steps
  print(f"Training digits-32 on scikit-learn's digits for {steps} steps into "
        f"{files.join(FLAGS.output_dir, 'run')} in {precision.name} ({precision.reason}; "
        "--precision chooses); rerun to resume.", flush=True)
  result = demo.train_demo(FLAGS.output_dir, steps, FLAGS.seed, precision.name)
  if result["stopped"] == "sigterm":
    print("Stopped by SIGTERM after saving; rerun to resume.")
    return 0
  run = result["run"]
  generator = run.load_ema_generator()
  paths = demo.draw_demo(generator, FLAGS.output_dir, result["step"], FLAGS.samples_per_class,
                         FLAGS.truncation, rows, FLAGS.seed)
  print(f"Wrote {paths[0]} and {paths[1]}.")
  module = None
  if FLAGS.export:
    module = export_run(run.path, files.join(FLAGS.output_dir, "module"),
                        generator.config.truncation_grid, standing_stats_batches=0,
                        overwrite=True)
    print(f"Exported the generator as a TF-Hub module to {module}; try\n  tfbiggan-sample "
          f"--module={module} --classes=0,1,2,3 --truncation=0.5 --out=grid.png")
  if FLAGS.judge:
    from tfbiggan.metrics.classifier import digits_classifier  # pylint: disable=import-outside-toplevel
    judge = digits_classifier(epochs=FLAGS.judge_epochs)
    for truncation, share in demo.judge_samples(generator, judge).items():
      print(f"A CNN trained on the real digits recognises {share:.1%} of 1,000 samples at "
            f"truncation {truncation:g} as the requested digit.")
    if module and FLAGS.eval_samples:
      from tfbiggan.metrics.evaluate import format_table  # pylint: disable=import-outside-toplevel
      results, curve_paths = demo.demo_truncation_curve(judge, module, FLAGS.output_dir,
                                                        FLAGS.eval_samples, FLAGS.seed)
      print(format_table(results))
      scores = [r["inception_score"] for r in results]
      print(f"Wrote {curve_paths[1]}. IS {'rises' if demo.is_ascending(scores) else 'does not rise'}"
            f" monotonically as the truncation falls ({scores[0]:.2f} at "
            f"t={results[0]['truncation']:g}, {scores[-1]:.2f} at "
            f"t={results[-1]['truncation']:g}).")
  print(f"Done in {(time.time() - start) / 60:.1f} min.")
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-demo", __name__)


if __name__ == "__main__":
  run()
