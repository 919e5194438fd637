"""Fine-tuning a pretrained G with a fresh D on a few images of its own classes: which
protections keep what G knows. The measurement behind `tfbiggan.training.fresh_d`.

The source is the demo's digits-32 run (`bash scripts/demo.sh` writes outputs/demo/run). Each
variant fine-tunes it for --steps steps on --shots training digits per class, all ten classes,
with a fresh D (the run's own recipe otherwise), and keeps a checkpoint every --judge_every
steps. Each checkpoint's EMA G (and the source's, at step 0), with standing statistics baked
as at the end of a run, is judged by a CNN trained on all
the training digits, as the demo judges (and so is the trained G itself, which the EMA
averages): class accuracy at t = 0.5; recall (k = 3) and FID at
t = 1 in the CNN's 128-d features against the 360 held-out test digits. Baseline in the same
run: the FID of the few training images themselves.

Variants: none (no protection: the EMA copies G until the run's ema_start_step), ema0 (EMA
from the source weights), d_warmup, g_lr_warmup, recipe (FRESH_D_RECIPE with this run's
--d_warmup_steps and --g_lr_warmup_steps), own_d (the source's own D: the reference a fresh D
is measured against).

  python benchmarks/fresh_d.py        # about 10 minutes on 2 CPU cores after the demo
  python benchmarks/fresh_d.py --variants=none,recipe --d_warmup_steps=50 --workdir=runs/fd
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import machine
from overrides import parse_overrides
from tfbiggan.training.precision import PRECISIONS

VARIANTS = ("none", "ema0", "d_warmup", "g_lr_warmup", "recipe", "own_d")
WHICH = ("ema", "raw")  # The EMA G (what is sampled and exported) and the trained G itself.

flags.DEFINE_string("source", os.path.join("outputs", "demo", "run"),
                    "The pretrained digits-32 run (the demo's: bash scripts/demo.sh).")
flags.DEFINE_string("workdir", None, "Folder of the fine-tuned runs (default: a temporary "
                    "one); finished runs in it are judged again, not retrained.")
flags.DEFINE_integer("steps", 300, "Fine-tuning steps per variant.", lower_bound=1)
flags.DEFINE_integer("judge_every", 50, "Steps between judged checkpoints.", lower_bound=1)
flags.DEFINE_integer("shots", 10, "Training images per class.", lower_bound=1)
flags.DEFINE_list("variants", list(VARIANTS), f"Which of {', '.join(VARIANTS)} to run.")
flags.DEFINE_integer("d_warmup_steps", None, "D warm-up of d_warmup and recipe (default: "
                     "FRESH_D_RECIPE's).", lower_bound=0)
flags.DEFINE_integer("g_lr_warmup_steps", None, "G learning-rate warm-up of g_lr_warmup and "
                     "recipe (default: FRESH_D_RECIPE's).", lower_bound=0)
flags.DEFINE_string("overrides", "", "Config changes of every variant, e.g. "
                    "'g_lr=2e-5;lecam_weight=0' (benchmarks/overrides.py).")
flags.DEFINE_integer("num_samples", 1000, "Samples judged per checkpoint and truncation.",
                     lower_bound=100)
flags.DEFINE_enum("precision", "auto", PRECISIONS,
                  "Training compute (auto: bfloat16 on CPUs with AMX or AVX512-BF16).")
flags.DEFINE_string("grid", None, "Write a sample grid of the recipe variant here (PNG): the "
                    "source, the first judged step and the last, for the same noise.")
FLAGS = flags.FLAGS


def variant_config(name, source_config, recipe):
  """The config of variant `name` (see the module docstring)."""
  changes = {"none": {}, "own_d": {}, "ema0": {"ema_start_step": 0},
             "d_warmup": {"d_warmup_steps": recipe["d_warmup_steps"]},
             "g_lr_warmup": {"g_lr_warmup_steps": recipe["g_lr_warmup_steps"]},
             "recipe": recipe}[name]
  return source_config.replace(**changes)


def main(argv):
  del argv
  unknown = set(FLAGS.variants) - set(VARIANTS)
  if unknown:
    raise app.UsageError(f"unknown --variants {sorted(unknown)}; choose from {VARIANTS}")
  # pylint: disable=import-outside-toplevel
  import numpy as np
  import tensorflow as tf
  from tfbiggan import files
  from tfbiggan.data import make_source
  from tfbiggan.data.digits import load_digits_array
  from tfbiggan.image_grid import save_image_grid
  from tfbiggan.metrics import feature_statistics, frechet_distance_from_statistics
  from tfbiggan.metrics.classifier import KerasClassifier, activations
  from tfbiggan.metrics.digits_classifier import train_digits_classifier
  from tfbiggan.layers.initializers import ASSIGNED_AFTERWARDS
  from tfbiggan.metrics.precision_recall import precision_recall
  from tfbiggan.models.generator import Generator
  from tfbiggan.run_dir import RunDir, variables_by_path
  from tfbiggan.sampling import sample_images
  from tfbiggan.standing_statistics import bake_truncation_statistics
  from tfbiggan.training.fresh_d import FRESH_D_RECIPE
  from tfbiggan.training.loop import train
  from tfbiggan.training.options import TrainOptions
  from tfbiggan.training.precision import choose_precision
  # pylint: enable=import-outside-toplevel

  source = RunDir(FLAGS.source)
  if not files.exists(source.config_path):
    raise app.UsageError(f"no run at --source={FLAGS.source}: run `bash scripts/demo.sh` "
                         "first, or point --source at a digits-32 run")
  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  precision = choose_precision(FLAGS.precision)
  print(f"training in {precision.name}: "
        f"{precision.reason}")
  recipe = dict(FRESH_D_RECIPE)
  for name in ("d_warmup_steps", "g_lr_warmup_steps"):
    if FLAGS[name].value is not None:
      recipe[name] = FLAGS[name].value
  print(f"recipe: {recipe}")
  workdir = FLAGS.workdir or tempfile.mkdtemp(prefix="fresh_d_")
  source_config = source.config().replace(**parse_overrides(FLAGS.overrides))
  source_step = source.checkpoint_step(source.newest_checkpoint())
  steps = list(range(FLAGS.judge_every, FLAGS.steps + 1, FLAGS.judge_every))
  if steps[-1] != FLAGS.steps:
    steps.append(FLAGS.steps)

  train_x, train_y = load_digits_array("train")
  test_x, _ = load_digits_array("test")
  judge = KerasClassifier(train_digits_classifier(train_x, train_y), "features")
  test_features = activations(test_x, judge)[1]
  test_stats = feature_statistics(test_features)

  def fid(features):
    return frechet_distance_from_statistics(*feature_statistics(features), *test_stats)

  shots = make_source("digits", 32, examples_per_class=FLAGS.shots)
  shot_images = np.stack([shots.element(i)[0].numpy() for i in range(shots.num_examples)])
  print(f"baseline: FID of the {shots.num_examples} training images themselves "
        f"{fid(activations(shot_images, judge)[1]):.1f}")
  labels = np.arange(FLAGS.num_samples) % source_config.num_classes

  def generator_at(run, step, which="ema"):
    if which == "ema":
      generator = run.load_ema_generator(checkpoint=step)
    else:  # The trained G itself, which the EMA averages.
      generator = Generator(run.config(), initializer=ASSIGNED_AFTERWARDS)
      tf.train.Checkpoint(generator=variables_by_path(generator.weights)).read(
          run.checkpoint_for(step)[0]).assert_existing_objects_matched().expect_partial()
    bake_truncation_statistics(generator, num_batches=16)  # As the run's end bakes them.
    return generator

  def judged(run, step, which):
    generator = generator_at(run, step, which)
    logits, _ = activations(sample_images(generator, labels, 0.5), judge)
    _, features = activations(sample_images(generator, labels, 1.0), judge)
    return (float(np.mean(logits.argmax(-1) == labels)),
            precision_recall(test_features, features, k=3)[1], fid(features))

  # A fine-tune's G and EMA G both start from the source's EMA G.
  origin = judged(source, source_step, "ema")
  trained = judged(source, source_step, "raw")
  print(f"baseline: the source's trained G (not its EMA) at step {source_step}: class accuracy "
        f"{trained[0]:.1%}, recall {trained[1]:.3f}, FID {trained[2]:.1f}")
  rows = {}
  for name in FLAGS.variants:
    model_dir = files.join(workdir, name)
    config = variant_config(name, source_config, recipe)
    start = time.time()
    train(config, TrainOptions(
        model_dir=model_dir, steps=FLAGS.steps, steps_per_loop=FLAGS.judge_every,
        checkpoint_every=FLAGS.judge_every, keep_checkpoints=len(steps),
        summary_every=FLAGS.steps, standing_stats_batches=0,
        precision=precision.name, init_generator=source.path,
        init_discriminator=source.path if name == "own_d" else None,
        examples_per_class=FLAGS.shots))
    run = RunDir(model_dir)
    for which in WHICH:
      rows[name, which] = [origin] + [judged(run, s, which) for s in steps]
    print(f"{name}: {FLAGS.steps} steps and judging in {(time.time() - start) / 60:.1f} min",
          flush=True)

  header = " | ".join(f"step {s}" for s in [0] + steps)
  for title, index, form in (("class accuracy, t = 0.5", 0, "{:.1%}"),
                             ("recall, t = 1", 1, "{:.3f}"), ("FID, t = 1", 2, "{:.1f}")):
    print(f"\n{title}\n| variant | G | {header} |\n|---|---|{'---|' * (len(steps) + 1)}")
    for (name, which), values in rows.items():
      print(f"| {name} | {which} | " + " | ".join(form.format(v[index]) for v in values) + " |")
  if FLAGS.grid and ("recipe", "ema") in rows:
    run = RunDir(files.join(workdir, "recipe"))
    classes = np.arange(source_config.num_classes)
    images = [sample_images(generator_at(r, s), classes, 0.5, seed=1)
              for r, s in ((source, source_step), (run, steps[0]), (run, steps[-1]))]
    save_image_grid(FLAGS.grid, np.concatenate(images), 3, source_config.num_classes,
                    row_labels=["source", f"step {steps[0]}", f"step {steps[-1]}"], scale=2,
                    title=f"fine-tuned with a fresh D on {FLAGS.shots} digits per class: "
                          "the same noise, t = 0.5")
    print(f"grid: {FLAGS.grid}")
  if not FLAGS.workdir:
    print(f"(runs left in {workdir}; delete it when done)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
