"""The training step: replica parity, the recipe's pieces, and NaN detection."""

import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from conftest import mirrored_cpu_strategy
from tfbiggan.data import distributed_dataset, make_source
from tfbiggan.data.source import IndexedSource
from tfbiggan.training.trainer import METRICS, Trainer, normal_from_bits
from train_utils import TINY



def _copy_weights(target, source):
  for model_t, model_s in [(target.generator, source.generator),
                           (target.discriminator, source.discriminator),
                           (target.ema.ema_generator, source.ema.ema_generator)]:
    model_t.set_weights(model_s.get_weights())


def _state(trainer):
  """Every variable a training checkpoint holds, as numpy, first replica's copy."""
  variables = (trainer.generator.weights + trainer.discriminator.weights +
               trainer.ema.ema_generator.weights + trainer.g_optimizer.variables +
               trainer.d_optimizer.variables)
  if trainer.lecam is not None:
    variables.append(trainer.lecam.state)
  return [np.asarray(v.numpy()) for v in variables]


def _train(strategy, config, reference, steps, source):
  trainer = Trainer(config, strategy, seed=7)
  if reference is not None:
    _copy_weights(trainer, reference)
  iterator = iter(distributed_dataset(strategy, source, config.batch_size, config.d_steps,
                                      seed=7))
  metrics, first_bad = trainer.train(iterator, steps)
  return trainer, metrics, first_bad


@pytest.fixture(scope="module")
def digits():
  return make_source("digits", 32)


@pytest.mark.parametrize("recipe", [
    dict(d_steps=2), dict(lecam_weight=1.0, freeze_d_blocks=1, g_trainable="embedding_and_norms",
             mode_seeking_weight=1.0)],
    ids=["paper", "small-data"])
def test_same_weights_on_1_and_more_replicas_after_3_steps(digits, recipe):
  # LeCam's anchors are means over the global batch, and mode seeking's pairs lie within a
  # replica, so they too must not depend on the number of replicas.
  config = tfbiggan.get_config("digits-32", **{**TINY, **recipe})
  initial = Trainer(config, mirrored_cpu_strategy(1), seed=7)
  results, trained = {}, {}
  # 2 replicas catch a sum over replicas where a mean is due (a factor of 2), a mean where a
  # sum is due, and a statistic taken on one replica's share.
  counts = (1, 2)
  for num_replicas in counts:
    trainer, metrics, first_bad = _train(mirrored_cpu_strategy(num_replicas), config,
                                         initial, 3, digits)
    assert first_bad == -1 and int(trainer.step.numpy()) == 3
    assert (metrics["mode_seeking"] > 0) == ("mode_seeking_weight" in recipe)
    results[num_replicas] = (_state(trainer), metrics)
    trained[num_replicas] = trainer
  expected, expected_metrics = results[1]
  # The trainable weights of G and D moved (not just the optimizers' iteration counters or
  # BN statistics, which move without any learning): the comparison is not vacuous. Adam's
  # first steps move a weight by about the learning rate (1e-4 / 2e-4).
  for model in ("generator", "discriminator"):
    moved = max(float(np.max(np.abs(a.numpy() - b.numpy()))) for a, b in zip(
        getattr(trained[1], model).trainable_weights, getattr(initial, model).trainable_weights))
    assert moved > 5e-5, model
  for num_replicas in counts[1:]:
    got, metrics = results[num_replicas]
    for name in METRICS:
      assert metrics[name] == pytest.approx(expected_metrics[name], abs=1e-5), name
    # Within 2e-5, relative for values above 1 (Adam's slots hold raw gradients up to ~6,
    # where float32 summation order alone moves the 6th digit; measured up to 1.1e-5). A sum
    # for a mean is off by 100 %.
    worst = max(float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))
                for a, b in zip(got, expected))
    assert worst <= 2e-5, (num_replicas, worst)


@pytest.mark.smoke
@pytest.mark.parametrize("lecam_weight", [0.0, 0.3])
def test_checkpoint_holds_every_variable_of_the_run(lecam_weight):
  from tfbiggan.training.checkpoints import training_checkpoint  # pylint: disable=import-outside-toplevel
  config = tfbiggan.get_config("digits-32", **{**TINY, "lecam_weight": lecam_weight})
  trainer = Trainer(config, mirrored_cpu_strategy(1))
  expected = (len(trainer.generator.weights) + len(trainer.discriminator.weights) +
              len(trainer.ema.ema_generator.weights) + len(trainer.g_optimizer.variables) +
              len(trainer.d_optimizer.variables) + 2 + (1 if lecam_weight else 0))
  import tempfile  # pylint: disable=import-outside-toplevel
  with tempfile.TemporaryDirectory() as folder:
    path = training_checkpoint(trainer).write(folder + "/ckpt")
    names = [n for n, _ in tf.train.list_variables(path) if n != "_CHECKPOINTABLE_OBJECT_GRAPH"]
  assert len(names) == expected
  # Block-level state (kept in Python lists by the models) is among them.
  # ("/" in a key is escaped as ".S" in checkpoint names.)
  assert any("GBlock_2.SHyperBN_1.Smoving_mean" in n for n in names if n.startswith("ema_"))


class _NaNDigits(IndexedSource):
  """Digits whose every image is NaN: D's loss is NaN from the first step."""

  def __init__(self, digits):
    super().__init__(name="nan", split="train", num_examples=digits.num_examples,
                     num_classes=10, class_names=digits.class_names, resolution=32)
    self._digits = digits

  def element(self, index):
    image, label = self._digits.element(index)
    return image * float("nan"), label


@pytest.mark.smoke
def test_noise_from_random_bits_is_finite_and_standard_normal():
  """All-ones bits once made the uniform exactly 1 and z +Inf (a NaN loss at step 294 of a
  digits-32 run with d_steps=2)."""
  extremes = normal_from_bits(tf.constant([0, 2**32 - 1024, 2**32 - 1], tf.uint32)).numpy()
  assert np.isfinite(extremes).all()
  # The lowest is ndtri(2^-25); the highest ndtri of the largest float32 below 1.
  np.testing.assert_allclose(extremes[[0, 2]], [-5.420, 5.295], atol=2e-3)
  assert extremes[0] < extremes[1] < extremes[2]
  bits = tf.constant(np.random.default_rng(0).integers(0, 2**32, 200_000, dtype=np.uint32))
  samples = normal_from_bits(bits).numpy()
  assert np.isfinite(samples).all()
  assert abs(samples.mean()) < 0.01 and abs(samples.std() - 1.0) < 0.01


def test_non_finite_loss_is_reported_with_its_step(digits):
  config = tfbiggan.get_config("digits-32", **TINY)
  _, metrics, first_bad = _train(mirrored_cpu_strategy(1), config, None, 2, _NaNDigits(digits))
  assert first_bad == 0
  assert np.isnan(metrics["d_loss"])


def test_replicas_draw_distinct_noise_and_the_global_batch_does_not_depend_on_them():
  config = tfbiggan.get_config("digits-32", **TINY)
  trainer = Trainer(config, mirrored_cpu_strategy(1), seed=5)
  z0, y0 = trainer.fake_inputs(4, 0, 0)
  trainer.per_replica_batch_size = 4  # As on 2 replicas.
  a, _ = trainer.fake_inputs(4, 0, 0)
  b, _ = trainer.fake_inputs(4, 0, 1)
  np.testing.assert_array_equal(np.concatenate([a, b]), z0)
  assert np.max(np.abs(a.numpy() - b.numpy())) > 0.1
  assert not np.array_equal(trainer.fake_inputs(5, 0, 0)[0], a)  # Fresh noise every step.
  assert y0.shape == (8, 10)


def test_accumulations_must_split_each_replicas_batch():
  config = tfbiggan.get_config("digits-32", **{**TINY, "d_accumulations": 8})
  with pytest.raises(ValueError, match="d_accumulations=8 splits each replica's batch of 4 "
                     ".8 over 2 replicas. into equal micro-batches: use a batch_size divisible "
                     "by 16"):
    Trainer(config, mirrored_cpu_strategy(2))


def test_mode_seeking_pairs_classes_within_a_replica():
  config = tfbiggan.get_config("digits-32", **{**TINY, "mode_seeking_weight": 1.0})
  trainer = Trainer(config, mirrored_cpu_strategy(1), seed=5)
  z, y = trainer.fake_inputs(4, 1, 0)
  z_paired, y_paired = trainer.fake_inputs(4, 1, 0, paired=True)
  labels, paired = np.argmax(y, -1), np.argmax(y_paired, -1)
  np.testing.assert_array_equal(z_paired, z)  # The noise is the same; the classes pair up.
  np.testing.assert_array_equal(paired[0::2], labels[0::2])
  np.testing.assert_array_equal(paired[1::2], paired[0::2])
  assert not np.array_equal(labels[1::2], labels[0::2])
  with pytest.raises(ValueError, match="G micro-batch in pairs, but it has 3 .6 over 2 "
                                       "replicas"):
    Trainer(config.replace(batch_size=6), mirrored_cpu_strategy(2), seed=5)
  with pytest.raises(ValueError, match="cdc_weight takes the rows of each replica's G "
                                       "micro-batch in groups of 4, but it has 2 .8 over 2 "
                                       "replicas and 2 accumulations.*multiple of 4"):
    Trainer(config.replace(cdc_weight=1.0, mode_seeking_weight=0.0, g_accumulations=2),
            mirrored_cpu_strategy(2), seed=5)
