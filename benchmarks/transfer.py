r"""Does fine-tuning beat training from scratch on a few images? digits 0-4 -> 5-9.

  1. pretrain digits-32 on the digits 0-4 (all their training images);
  2. fine-tune it (G and D from step 1, the new classes' embeddings from the mean) on 5-9
     with only --shots training images per class;
  3. train from scratch on the same images, the same recipe and the same number of steps.
Both are judged by a CNN trained on all ten classes' training digits: the share of samples
it assigns to the requested class, and FID in its 128-d features against the held-out test
digits of 5-9. Baselines measured in the same run: FID of all real training 5-9 digits (the
floor) and of the few training images themselves, each against the same test digits; and
the source of step 1 on its own classes (accuracy, FID against the test digits of 0-4).

  python benchmarks/transfer.py                 # about 10 minutes on 2 CPU cores
  python benchmarks/transfer.py --workdir=runs/transfer --lecam_weight=0.3 --tag=lecam
  python benchmarks/transfer.py --workdir=runs/transfer --fresh_d --tag=_fresh_d
  python benchmarks/transfer.py --workdir=runs/transfer --fresh_d --tag=_glr2 \
      --overrides="g_lr=0.0002"     # a fresh D at the config's G rate, not the new-class 4x
  python benchmarks/transfer.py --preset --fresh_d      # the demo's recipe: about 11 minutes
  python benchmarks/transfer.py --preset --fresh_d --grid=docs/images/transfer_new_classes.png
  python benchmarks/transfer.py --preset --fresh_d --pretrain_steps=3000 --precision=auto \
      --workdir=runs/transfer_p3000  # a better source; bfloat16 where the CPU has it
(a --workdir that holds finished runs reuses them: the pretraining is done once.)
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import machine
from overrides import parse_overrides
from tfbiggan.training.precision import PRECISIONS

flags.DEFINE_string("workdir", None, "Folder of the three runs (default: a temporary one).")
flags.DEFINE_boolean("preset", False, "Pretrain, fine-tune and train from scratch with the "
                     "digits-32 preset as it is (the demo's recipe: D of 16 channels, "
                     "DiffAugment, LeCam, mode seeking); --diff_augment, --lecam_weight and "
                     "--mode_seeking_weight are then the preset's. Default: the older recipe "
                     "(D of 8 channels, no small-data terms in pretraining).")
flags.DEFINE_integer("pretrain_steps", 1500, "Steps on the digits 0-4.", lower_bound=1)
flags.DEFINE_integer("steps", 500, "Steps of fine-tuning, and of training from scratch.",
                     lower_bound=1)
flags.DEFINE_integer("shots", 10, "Training images per new class.", lower_bound=1)
flags.DEFINE_string("diff_augment", "translation,cutout", "DiffAugment of steps 2 and 3.")
flags.DEFINE_float("lecam_weight", 0.0, "LeCam weight of steps 2 and 3.")
flags.DEFINE_float("mode_seeking_weight", 0.0, "Mode-seeking weight of steps 2 and 3.",
                   lower_bound=0.0)
flags.DEFINE_integer("freeze_d_blocks", 0, "FreezeD blocks of the fine-tuning.")
flags.DEFINE_boolean("fresh_d", False, "Fine-tune with a fresh D (no --init_discriminator, "
                     "as for an official generator), with the fresh-D defaults of "
                     "tfbiggan-train, instead of the pretraining's D.")
flags.DEFINE_string("overrides", "", "Config fields of the fine-tuning, after --fresh_d's: "
                    "'field=value;field=value' (e.g. 'ema_start_step=500').")
flags.DEFINE_string("class_init", None, "--class_init of the fine-tuning: new class=source "
                    "class, e.g. '5=3,6=0' (default: every new class from the mean row).")
flags.DEFINE_integer("seed", 0, "Seed of the fine-tuning and scratch runs (weights, noise, "
                     "data order); the pretraining's is 0.")
flags.DEFINE_string("tag", "", "Suffix of the fine-tuned and scratch runs' folders, to "
                    "compare recipes in one --workdir.")
flags.DEFINE_enum("precision", "float32", PRECISIONS,
                  "Compute dtype of the three runs (auto: bfloat16 where the CPU has AMX or "
                  "AVX512-BF16, or the GPU bfloat16 units).")
flags.DEFINE_integer("num_samples", 1000, "Samples judged per model.", lower_bound=10)
flags.DEFINE_string("grid", None, "Also write a PNG here: 8 samples of each new class at "
                    "t = 1 from the fine-tuned and the scratch generator, both from the same "
                    "noise.")
FLAGS = flags.FLAGS

OLD, NEW = "0,1,2,3,4", "5,6,7,8,9"


def main(argv):
  del argv
  import numpy as np  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.data import make_source  # pylint: disable=import-outside-toplevel
  from tfbiggan.data.digits import load_digits_array  # pylint: disable=import-outside-toplevel
  from tfbiggan.image_grid import save_image_grid  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics import feature_statistics, frechet_distance_from_statistics  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.classifier import KerasClassifier, activations  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.digits_classifier import train_digits_classifier  # pylint: disable=import-outside-toplevel
  from tfbiggan.run_dir import RunDir  # pylint: disable=import-outside-toplevel
  from tfbiggan.sampling import sample_images  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.options import TrainOptions  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.loop import train  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.precision import choose_precision  # pylint: disable=import-outside-toplevel

  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  precision = choose_precision(FLAGS.precision)
  print(f"training in {precision.name}: {precision.reason}")
  workdir = FLAGS.workdir or tempfile.mkdtemp(prefix="transfer_")
  if FLAGS.preset:  # The demo's recipe throughout: its small-data terms are the preset's.
    config = small_data = tfbiggan.get_config("digits-32")
  else:
    # The recipe the first figures were measured with: digits-32 before the demo's diversity
    # recipe (wider D, DiffAugment, LeCam, mode seeking) became its preset.
    config = tfbiggan.get_config("digits-32", d_ch=8, d_steps=1, diff_augment="",
                                 lecam_weight=0.0, mode_seeking_weight=0.0)
    small_data = config.replace(diff_augment=FLAGS.diff_augment,
                                lecam_weight=FLAGS.lecam_weight,
                                mode_seeking_weight=FLAGS.mode_seeking_weight)

  def run(name, steps, recipe, fresh_d_keep=None, seed=FLAGS.seed, **options):
    model_dir = os.path.join(workdir, name)
    start = time.time()
    train(recipe, TrainOptions(model_dir=model_dir, steps=steps, steps_per_loop=50,
                               checkpoint_every=steps, summary_every=steps,
                               standing_stats_batches=16, seed=seed,
                               precision=precision.name, **options),
          fresh_d_keep=fresh_d_keep)
    print(f"{name}: {steps} steps in {(time.time() - start) / 60:.1f} min", flush=True)
    return RunDir(model_dir).load_ema_generator()

  source = run("pretrained_0-4", FLAGS.pretrain_steps, config, seed=0, classes=OLD)
  overrides = parse_overrides(FLAGS.overrides)
  fine_tune_recipe = small_data.replace(freeze_d_blocks=FLAGS.freeze_d_blocks, **overrides)
  few = dict(classes=NEW, examples_per_class=FLAGS.shots)
  generators = {
      # --fresh_d: what tfbiggan-train applies to a fine-tune without --init_discriminator,
      # the overrides taking the place of its flags.
      "fine-tuned": run("fine-tuned" + FLAGS.tag, FLAGS.steps, fine_tune_recipe,
                        fresh_d_keep=tuple(overrides) if FLAGS.fresh_d else None,
                        init_generator=os.path.join(workdir, "pretrained_0-4"),
                        class_init=FLAGS.class_init,
                        init_discriminator=(None if FLAGS.fresh_d
                                            else os.path.join(workdir, "pretrained_0-4")),
                        **few),
      "scratch": run("scratch" + FLAGS.tag, FLAGS.steps, small_data, **few),
  }

  train_x, train_y = load_digits_array("train")
  test_x, test_y = load_digits_array("test")
  judge = KerasClassifier(train_digits_classifier(train_x, train_y), "features")

  def judged(images):
    logits, features = activations(images, judge)
    return logits.argmax(-1), features

  new = test_y >= 5
  test_stats = feature_statistics(judged(test_x[new])[1])

  def fid(features, reference=test_stats):
    return frechet_distance_from_statistics(*feature_statistics(features), *reference)

  labels = np.arange(FLAGS.num_samples) % 5

  def scored(generator, first_digit, truncation, reference=test_stats):
    """(share of samples of class k recognised as the digit first_digit + k, FID against
    `reference`) of `generator`'s five classes."""
    predicted, features = judged(sample_images(generator, labels, truncation))
    return float(np.mean(predicted == labels + first_digit)), fid(features, reference)

  # What fine-tuning starts from: the source on its own classes, against their test digits.
  old_stats = feature_statistics(judged(test_x[~new])[1])
  accuracy, source_fid = scored(source, 0, 1.0, old_stats)
  print(f"source t=1.0 on its classes 0-4: class accuracy {accuracy:.1%}, FID "
        f"{source_fid:.2f} (all real training 0-4 digits: "
        f"{fid(judged(train_x[train_y < 5])[1], old_stats):.2f})")

  shots = make_source("digits", 32, classes=NEW.split(","), examples_per_class=FLAGS.shots)
  shot_images = np.stack([shots.element(i)[0].numpy() for i in range(shots.num_examples)])
  floor = fid(judged(train_x[train_y >= 5])[1])
  print(f"baseline: FID of all real training 5-9 digits {floor:.2f} (floor); of the "
        f"{shots.num_examples} training images {fid(judged(shot_images)[1]):.2f}")
  scores = {}
  for name, generator in generators.items():
    for truncation in (1.0, 0.5):
      # The classes 0-4 of the fine-tune and of the scratch run are the digits 5-9.
      accuracy, scores[name, truncation] = scored(generator, 5, truncation)
      print(f"{name:10s} t={truncation}: class accuracy {accuracy:.1%}, FID "
            f"{scores[name, truncation]:.2f} ({scores[name, truncation] / floor:.1f} x floor)")
  for truncation in (1.0, 0.5):
    print(f"t={truncation}: FID fine-tuned / scratch "
          f"{scores['fine-tuned', truncation] / scores['scratch', truncation]:.3f}")
  if FLAGS.grid:
    columns = 8
    # sample_images draws z from its seed by position: both halves get the same z.
    images = np.concatenate([sample_images(generator, np.repeat(np.arange(5), columns), 1.0)
                             for generator in generators.values()])
    row_labels = [f"{name} {digit}" for name in generators for digit in NEW.split(",")]
    written = save_image_grid(FLAGS.grid, images, len(row_labels), columns, row_labels, scale=2)
    print(f"wrote {written}")
  if not FLAGS.workdir:
    print(f"(runs left in {workdir}; delete it when done)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
