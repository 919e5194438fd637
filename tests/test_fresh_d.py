"""Fine-tuning with a fresh D: the D warm-up, G's learning-rate warm-up and the recipe that
tfbiggan-train applies when --init_generator comes without --init_discriminator."""

import json
import re

import numpy as np
import pytest

import tfbiggan
from command_runner import run_in_process
from conftest import mirrored_cpu_strategy
from tfbiggan.data import distributed_dataset, make_source
from tfbiggan.run_dir import RunDir
from tfbiggan.training.fresh_d import (FRESH_D_RECIPE, NEW_CLASS_G_LR_FACTOR, describe,
                                       with_fresh_d_recipe)
from tfbiggan.training.loop import TrainOptions, train
from tfbiggan.training.trainer import Trainer
from train_utils import TINY, write_image_folder


@pytest.fixture(scope="module")
def digits():
  return make_source("digits", 32)


def _values(variables):
  return [np.array(v.numpy()) for v in variables]


def _iterator(trainer, source):
  config = trainer.config
  return iter(distributed_dataset(trainer.strategy, source, config.batch_size, config.d_steps,
                                  seed=7))


def test_the_d_warmup_holds_g_then_its_learning_rate_rises_linearly(digits):
  config = tfbiggan.get_config("digits-32", **{**TINY, "d_warmup_steps": 2,
                                               "g_lr_warmup_steps": 4, "ema_start_step": 0})
  assert [float(Trainer.g_learning_rate(_Bare(config), s)) / config.g_lr
          for s in (0, 1, 2, 3, 5, 9)] == pytest.approx([0, 0, 0.25, 0.5, 1, 1])
  trainer = Trainer(config, mirrored_cpu_strategy(1), seed=7)
  g_before = _values(trainer.generator.trainable_weights)
  d_before = _values(trainer.discriminator.weights)
  iterator = _iterator(trainer, digits)
  assert trainer.in_d_warmup(1) and not trainer.in_d_warmup(2)
  metrics, _ = trainer.train(iterator, 2)
  assert metrics["g_loss"] == 0.0 and metrics["d_loss"] > 0.0
  # G's weights stay; its spectral-norm vectors and BN moving statistics follow the fakes D
  # is shown, as in every D update.
  for got, want, variable in zip(_values(trainer.generator.trainable_weights), g_before,
                                 trainer.generator.trainable_weights):
    np.testing.assert_array_equal(got, want, err_msg=variable.path)
  for got, want in zip(_values(trainer.ema.ema_generator.trainable_weights),
                       _values(trainer.generator.trainable_weights)):
    # The EMA of a G that has not moved (decay * w + (1 - decay) * w: within a rounding).
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)
  assert int(trainer.g_optimizer.iterations.numpy()) == 0
  assert int(trainer.d_optimizer.iterations.numpy()) == 2 * config.d_steps
  assert max(np.abs(a - b).max() for a, b in zip(_values(trainer.discriminator.weights),
                                                 d_before)) > 0
  # Step 2, G's first update, at g_lr / 4. Adam's first step with beta1 = 0 moves each
  # weight by lr * |g| / (|g| + eps / sqrt(1 - beta2)): lr itself where |g| >> 3e-5.
  metrics, _ = trainer.train(iterator, 1)
  assert metrics["g_loss"] != 0.0 and int(trainer.g_optimizer.iterations.numpy()) == 1
  assert float(trainer.g_optimizer.learning_rate.numpy()) == pytest.approx(config.g_lr / 4)
  moved = max(np.abs(a - b).max() for a, b in zip(_values(trainer.generator.trainable_weights),
                                                  g_before))
  # (Above lr only by float32 rounding of the weights: an ulp of a weight near 1 is 1.2e-7.)
  assert 0.97 * config.g_lr / 4 < moved <= 1.01 * config.g_lr / 4


class _Bare:  # pylint: disable=too-few-public-methods
  """Just a config, for `Trainer.g_learning_rate` without building models."""

  def __init__(self, config):
    self.config = config


@pytest.fixture(scope="module")
def source_run(tmp_path_factory):
  model_dir = tmp_path_factory.mktemp("source")
  train(tfbiggan.get_config("digits-32", **TINY),
        TrainOptions(model_dir=str(model_dir), steps=1, standing_stats_batches=0))
  return model_dir


def _train(source_run, model_dir, *flags):
  """(the resolved config, the log) of tfbiggan-train fine-tuning `source_run`."""
  result = run_in_process("train", f"--init_generator={source_run}", f"--model_dir={model_dir}",
                          "--steps=2", "--standing_stats_batches=0", *flags)
  assert result.returncode == 0, result.stderr[-2000:]
  if "--dry_run" in flags:
    return json.loads(result.stdout)["config"], result.stderr
  return RunDir(str(model_dir)).config(), result.stderr


def test_a_fine_tune_with_a_fresh_d_takes_the_recipe_for_its_classes_unless_a_flag_says_otherwise(
    source_run, tmp_path):
  config, log = _train(source_run, tmp_path / "dry", "--dry_run")
  assert {k: config[k] for k in FRESH_D_RECIPE} == FRESH_D_RECIPE
  assert config["g_lr"] == TINY["g_lr"]
  assert TINY["ema_start_step"] != FRESH_D_RECIPE["ema_start_step"]  # Else this tests nothing.
  assert "a fresh D: --d_warmup_steps=" in log
  assert f"--g_lr={TINY['g_lr'] * NEW_CLASS_G_LR_FACTOR}" in log  # What a new class would get.
  # A run on a folder whose class "3" is a source class (of the digits run) and "cat" is not
  # (it starts from the mean row): the EMA copies G until the config's ema_start_step, and G
  # learns at NEW_CLASS_G_LR_FACTOR times the config's rate. Its first loop stops where the
  # warm-up ends, and the log says G was held.
  folder = write_image_folder(str(tmp_path / "images"), classes=("3", "cat"), per_class=2)
  config, log = _train(source_run, tmp_path / "run", f"--dataset=folder:{folder}",
                       "--batch_size=4", "--d_warmup_steps=1", "--steps_per_loop=2")
  assert (config.d_warmup_steps, config.ema_start_step) == (1, TINY["ema_start_step"])
  assert config.g_lr_warmup_steps == FRESH_D_RECIPE["g_lr_warmup_steps"]
  assert NEW_CLASS_G_LR_FACTOR > 1 and config.g_lr == TINY["g_lr"] * NEW_CLASS_G_LR_FACTOR
  assert ("1 class(es) are new to the source (cat): the EMA copies G until step "
          f"{TINY['ema_start_step']}, not averaging from the source's weights; G's learning "
          f"rate is {NEW_CLASS_G_LR_FACTOR} times the config's") in log
  assert re.search(r"with a fresh D \(D warm-up 1 step, G learning-rate warm-up \d+ steps, "
                   rf"EMA copying G until step {TINY['ema_start_step']}\); class embeddings: "
                   r"3 <- 3, cat <- mean of the source classes", log)
  assert re.search(r"step 1/2 \| d_loss [-\d.]+ D warm-up, G held D\(real\)", log)
  assert re.search(r"step 2/2 \| d_loss [-\d.]+ g_loss [-\d.]+ D\(real\)", log)
  # Flags win over the new-class rules too.
  tiny = tfbiggan.get_config("digits-32", **TINY)
  warm_ups = {"d_warmup_steps": FRESH_D_RECIPE["d_warmup_steps"],
              "g_lr_warmup_steps": FRESH_D_RECIPE["g_lr_warmup_steps"]}
  assert with_fresh_d_recipe(tiny, keep=("ema_start_step", "g_lr"), new_classes=True) == (
      tiny.replace(**warm_ups), warm_ups)
  # With the source's D, the source's recipe.
  config, log = _train(source_run, tmp_path / "own_d", "--dry_run",
                       f"--init_discriminator={source_run}")
  assert (config["d_warmup_steps"], config["ema_start_step"]) == (0, TINY["ema_start_step"])
  assert "a fresh D" not in log


def test_the_protections_are_named_in_words():
  config = tfbiggan.get_config("digits-32", d_warmup_steps=100, g_lr_warmup_steps=50,
                               ema_start_step=0)
  assert describe(config) == ("D warm-up 100 steps, G learning-rate warm-up 50 steps, EMA "
                              "from the source weights")
  assert describe(config.replace(d_warmup_steps=0, g_lr_warmup_steps=0, ema_start_step=500)) \
      == "EMA copying G until step 500"
