import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from conftest import mirrored_cpu_strategy
from tfbiggan.training.ema import GeneratorEMA


def _perturb(generator, amount):
  for w in generator.trainable_weights:
    w.assign(w.value + amount)


def test_copies_before_start_then_averages():
  g = tfbiggan.Generator("digits-32")
  ema = GeneratorEMA(g, decay=0.9, start_step=2)
  before = [w.numpy() for w in g.trainable_weights]
  _perturb(g, 1.0)
  ema.update(1)  # before the start step: a copy
  for e, w in zip(ema.ema_generator.trainable_weights, g.trainable_weights):
    np.testing.assert_array_equal(e.numpy(), w.numpy())
  _perturb(g, 1.0)
  ema.update(2)  # 0.9 * (before + 1) + 0.1 * (before + 2)
  for e, b in zip(ema.ema_generator.trainable_weights, before):
    np.testing.assert_allclose(e.numpy(), b + 1.1, rtol=1e-5, atol=1e-5)
  g.blocks[0].bn0.moving_mean.assign(tf.ones_like(g.blocks[0].bn0.moving_mean))
  ema.update(3)
  np.testing.assert_array_equal(ema.ema_generator.blocks[0].bn0.moving_mean.numpy(), 1.0)
  assert [w.path for w in ema.ema_generator.weights] == [w.path for w in g.weights]


def test_update_in_cross_replica_context_updates_every_copy():
  strategy = mirrored_cpu_strategy(2)
  with strategy.scope():
    g = tfbiggan.Generator("digits-32")
    ema = GeneratorEMA(g, decay=0.5)
  expected = [w.numpy() + 0.5 for w in g.trainable_weights]
  _perturb(g, 1.0)
  tf.function(lambda: ema.update(tf.constant(10)))()
  for e, want in zip(ema.ema_generator.trainable_weights, expected):
    for copy in strategy.experimental_local_results(e.value):
      np.testing.assert_allclose(copy.numpy(), want, rtol=1e-5, atol=1e-6)


def test_invalid_decay():
  with pytest.raises(ValueError, match="decay"):
    GeneratorEMA(tfbiggan.Generator("digits-32"), decay=1.0)
