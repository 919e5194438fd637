"""float16 training's dynamic loss scale: an update whose gradients overflow is skipped on
every replica (weights and Adam untouched); the scale halves, then grows back; checkpoints
keep it. (That a float16 step follows the float32 one: tests/test_training_step.py; a float16
run's log of its skipped updates: tests/test_exporter.py.)"""

import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from conftest import mirrored_cpu_strategy
from tfbiggan.data import distributed_dataset, make_source
from tfbiggan.run_dir import RunDir
from tfbiggan.training.checkpoints import CheckpointKeeper, checkpoint_groups
from tfbiggan.training.options import TrainOptions
from tfbiggan.training.trainer import Trainer
from train_utils import TINY


def _values(variables):
  return [np.array(v.numpy()) for v in variables]


def test_an_overflowing_update_is_skipped_and_the_scale_adapts():
  config = tfbiggan.get_config("digits-32", **{**TINY, "d_steps": 1})
  # MirroredStrategy on CPUs synchronises through merge_call: the skip is a cond in
  # cross-replica context (`loss_scale._apply_if`).
  trainer = Trainer(config, mirrored_cpu_strategy(1), seed=7, precision="float16")
  scales = (trainer.d_loss_scale, trainer.g_loss_scale)
  for scale in scales:
    scale.scale.assign(2.0 ** 100)  # Every float16 gradient overflows.
    scale.growth_interval = 2  # Read when the step is traced.
  models = (trainer.generator, trainer.discriminator)
  before = [_values(model.trainable_weights) for model in models]
  source = make_source("digits", 32)
  iterator = iter(distributed_dataset(trainer.strategy, source, config.batch_size,
                                      config.d_steps, seed=7))
  metrics, first_bad = trainer.train(iterator, 1)
  # The losses were finite (float32), the gradients not: both updates skipped, so nothing
  # moved, not even Adam's moments or its iteration count.
  assert first_bad == -1 and metrics["d_loss"] > 0
  assert metrics["d_skipped"] == metrics["g_skipped"] == 1.0
  for model, weights in zip(models, before):
    for got, want in zip(_values(model.trainable_weights), weights):
      np.testing.assert_array_equal(got, want)
  for optimizer in (trainer.d_optimizer, trainer.g_optimizer):
    assert int(optimizer.iterations.numpy()) == 0
    assert all(not np.any(v.numpy()) for v in optimizer.variables if "momentum" in v.path)
  for scale in scales:
    assert float(scale.scale.numpy()) == 2.0 ** 99 and int(scale.skipped.numpy()) == 1
    scale.scale.assign(2.0 ** 8)
  # At a scale that fits, updates apply; two in a row double the scale.
  metrics, _ = trainer.train(iterator, 2)
  assert metrics["d_skipped"] == metrics["g_skipped"] == 0.0
  assert int(trainer.d_optimizer.iterations.numpy()) == 2
  assert int(trainer.g_optimizer.iterations.numpy()) == 2
  for model, weights in zip(models, before):
    assert max(np.abs(a - b).max() for a, b in zip(_values(model.trainable_weights),
                                                   weights)) > 1e-5
  for scale in scales:
    assert float(scale.scale.numpy()) == 2.0 ** 9 and int(scale.good_updates.numpy()) == 0


def test_checkpoints_keep_the_loss_scales_and_resume_across_precisions(tmp_path):
  config = tfbiggan.get_config("digits-32", **TINY)
  strategy = tf.distribute.get_strategy()

  def keeper(trainer, folder):
    return CheckpointKeeper(checkpoint_groups(trainer), RunDir(str(tmp_path / folder)))

  saved = Trainer(config, strategy, precision="float16")
  saved.d_loss_scale.scale.assign(2.0 ** 9)
  saved.g_loss_scale.skipped.assign(3)
  keeper(saved, "float16").save(1)
  keeper(Trainer(config, strategy), "float32").save(1)
  # A float16 run goes on from its scales (not from 2^15 again); one that ran in float32
  # before starts them afresh; a float32 resume ignores them.
  resumed = Trainer(config, strategy, precision="float16")
  assert keeper(resumed, "float16").restore_latest()
  assert float(resumed.d_loss_scale.scale.numpy()) == 2.0 ** 9
  assert int(resumed.g_loss_scale.skipped.numpy()) == 3
  fresh = Trainer(config, strategy, precision="float16")
  assert keeper(fresh, "float32").restore_latest()
  assert float(fresh.d_loss_scale.scale.numpy()) == 2.0 ** 15
  assert keeper(Trainer(config, strategy), "float16").restore_latest()


def test_mixed_precision_means_bfloat16_and_conflicts_with_another_precision():
  options = TrainOptions(model_dir="x", steps=1, mixed_precision=True)
  options.validate()
  assert options.compute_precision == "bfloat16"
  with pytest.raises(ValueError, match="mixed_precision means precision=bfloat16, but "
                                       "precision is 'float16': pass only --precision"):
    TrainOptions(model_dir="x", steps=1, mixed_precision=True, precision="float16").validate()
