"""Does the collapse watch catch a collapse, and stay quiet on a healthy run?

Trains digits-32 (the demo's preset) with periodic evaluation, in two phases in one run
folder:
  1. healthy: --healthy_steps steps of the preset, the watch on (`--on_collapse=warn`);
  2. provoked: the run resumed to --healthy_steps + --provoked_steps with both learning
     rates multiplied by --lr_factor (a resumed run may change them), which breaks the
     balance of G and D as a collapse does.
Then it prints, from the run's TensorBoard events and the watch's alarms: FID at every
evaluation, the step where FID turned (its best, after which it rose), the first alarm of
each signal against it, and any alarm of the healthy phase (there should be none). Last, it
exports the best checkpoint (`--checkpoint=best`) and the latest one, and judges both by FID
at truncation 1 against the 360 held-out test digits in the demo CNN's features: the best
one should be better.

  python benchmarks/collapse_watch.py                 # about 12 min on 2 cores (bfloat16)
  python benchmarks/collapse_watch.py --lr_factor=20 --model_dir=runs/collapse
"""

import dataclasses
import os
import statistics
import tempfile
import time

from absl import app
from absl import flags

import machine
from tfbiggan.training.precision import PRECISIONS

flags.DEFINE_string("model_dir", None, "Run folder (default: a temporary one).")
flags.DEFINE_integer("healthy_steps", 1500, "Steps of the preset's recipe.", lower_bound=1)
flags.DEFINE_integer("provoked_steps", 1500, "Steps after the learning rates are raised.",
                     lower_bound=1)
flags.DEFINE_float("lr_factor", 10.0, "What the provoked phase multiplies both learning "
                   "rates by.", lower_bound=1.0)
flags.DEFINE_integer("eval_every", 250, "Steps between evaluations (FID, the best "
                     "checkpoints).", lower_bound=1)
flags.DEFINE_integer("eval_samples", 1000, "Samples per evaluation.", lower_bound=20)
flags.DEFINE_integer("summary_every", 50, "Steps between singular-value readings.",
                     lower_bound=1)
flags.DEFINE_integer("judge_samples", 2000, "Samples of each exported module judged at the "
                     "end.", lower_bound=20)
flags.DEFINE_enum("precision", "auto", PRECISIONS, "Training compute (auto: bfloat16 on CPUs "
                  "with AMX or AVX512-BF16).")
FLAGS = flags.FLAGS


def _scalars(summaries_dir, prefix):
  """{tag: {step: value}} of the TensorBoard scalars under `summaries_dir` whose tag starts
  with `prefix`."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  values = {}
  for name in sorted(tf.io.gfile.listdir(summaries_dir)):
    for event in tf.compat.v1.train.summary_iterator(os.path.join(summaries_dir, name)):
      for value in event.summary.value:
        if value.tag.startswith(prefix):
          number = (value.simple_value if value.HasField("simple_value")
                    else float(tf.make_ndarray(value.tensor)))
          values.setdefault(value.tag, {})[event.step] = number
  return values


def _judge_fid(module_path, judge, reference):
  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics import evaluate
  from tfbiggan.modules.generator_module import load_generator_module
  results = evaluate.truncation_curve(load_generator_module(module_path), judge, reference,
                                      (1.0,), FLAGS.judge_samples,
                                      num_splits=min(10, FLAGS.judge_samples // 20))
  return results[0]["fid"]


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  import tfbiggan
  from tfbiggan.data import evaluation_dataset, make_source
  from tfbiggan.metrics import evaluate
  from tfbiggan.metrics.classifier import digits_classifier
  from tfbiggan.run_dir import RunDir
  from tfbiggan.training.loop import train
  from tfbiggan.training.options import TrainOptions
  from tfbiggan.training.precision import choose_precision
  from tfbiggan_export.exporter import export_run

  print(f"machine: {machine.describe()}")
  precision = choose_precision(FLAGS.precision)
  model_dir = FLAGS.model_dir or tempfile.mkdtemp(prefix="collapse_watch_")
  run = RunDir(model_dir)
  config = tfbiggan.get_config("digits-32")
  end = FLAGS.healthy_steps + FLAGS.provoked_steps
  options = TrainOptions(
      model_dir=model_dir, steps=FLAGS.healthy_steps, steps_per_loop=50,
      checkpoint_every=FLAGS.eval_every, summary_every=FLAGS.summary_every,
      eval_every=FLAGS.eval_every, eval_samples=FLAGS.eval_samples, eval_classifier="digits",
      keep_best=1, on_collapse="warn", standing_stats_batches=4,
      precision=precision.name)
  print(f"digits-32 in {precision.name}: {FLAGS.healthy_steps} steps of the preset, then "
        f"{FLAGS.provoked_steps} with the learning rates x{FLAGS.lr_factor:g}, evaluated "
        f"every {FLAGS.eval_every} ({FLAGS.eval_samples} samples), into {model_dir}",
        flush=True)
  start = time.time()
  healthy = train(config, options)
  provoked_config = config.replace(g_lr=config.g_lr * FLAGS.lr_factor,
                                   d_lr=config.d_lr * FLAGS.lr_factor)
  provoked = train(provoked_config, dataclasses.replace(options, steps=end))
  print(f"trained {end} steps in {(time.time() - start) / 60:.1f} min")

  fids = _scalars(run.summaries_dir, "eval/fid").get("eval/fid", {})
  print("FID (eval, the training digits) by step: " +
        ", ".join(f"{step}: {fid:.1f}" for step, fid in sorted(fids.items())))
  turned = min(fids, key=fids.get) if fids else None
  if turned is None:
    print("no evaluation ran")
  elif turned == max(fids):
    print(f"FID did not turn: its best ({fids[turned]:.1f}) is the last evaluation's")
  else:
    print(f"FID turned at step {turned} (its best, {fids[turned]:.1f}); the learning rates "
          f"were raised at step {FLAGS.healthy_steps}")
  print(f"alarms in the healthy phase (steps 0-{FLAGS.healthy_steps}): "
        f"{len(healthy['alarms'])}" + "".join(f"\n  {a.signal}: {a}"
                                               for a in healthy["alarms"]))
  # The margin the sigma threshold has: each top singular value against the median of its
  # previous 5 readings, the watch's yardstick, largest per phase.
  sigmas = {tag: series for tag, series in
            _scalars(run.summaries_dir, "singular_values/").items() if tag.endswith("/sv0")}
  for phase, inside in (("healthy", lambda step: step <= FLAGS.healthy_steps),
                        ("provoked", lambda step: step > FLAGS.healthy_steps)):
    ratios = []
    for tag, series in sigmas.items():
      steps = sorted(series)
      ratios += [(series[s] / statistics.median([series[p] for p in steps[i - 5:i]]), s, tag)
                 for i, s in enumerate(steps) if i >= 5 and inside(s)]
    ratio, step, tag = max(ratios)
    print(f"largest top singular value against its last 5 readings' median, {phase} phase: "
          f"x{ratio:.2f} (step {step}, {tag[len('singular_values/'):-len('/sv0')]}); the "
          f"threshold is x{options.collapse_sigma_jump:g}")
  first = {}
  for alarm in provoked["alarms"]:
    first.setdefault(alarm.signal, alarm)
  print(f"alarms after the raise: {len(provoked['alarms'])}")
  for signal, alarm in sorted(first.items(), key=lambda item: item[1].step):
    lead = f"{alarm.step - turned:+d} steps from FID's turn" if turned is not None else ""
    print(f"  first {signal} alarm at step {alarm.step} ({lead}): {alarm.detail}")

  judge = digits_classifier()
  held_out = evaluation_dataset(make_source("digits", 32, "test"), 100)
  reference = evaluate.compute_reference((images.numpy() for images, _ in held_out), judge,
                                         description="digits/test, demo CNN")
  judged = {}
  for which in ("best", "latest"):
    path = export_run(model_dir, os.path.join(model_dir, "export", which), None,
                      standing_stats_batches=4, checkpoint=which, overwrite=True)
    judged[which] = _judge_fid(path, judge, reference)
  best_step = run.read_best()["checkpoints"][0]["step"]
  print(f"exported and judged (FID at t = 1, {FLAGS.judge_samples} samples against the "
        f"held-out test digits): best (step {best_step}) {judged['best']:.1f}, latest (step "
        f"{end}) {judged['latest']:.1f}; best / latest x{judged['best'] / judged['latest']:.2f}"
        " (baseline: the latest checkpoint, same run)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
