import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from tfbiggan.standing_statistics import accumulate_standing_statistics
from tfbiggan.standing_statistics import bake_truncation_statistics


def _inputs(config, batch=4):
  z = tfbiggan.truncated_noise(batch, config.dim_z, 0.5, seed=9)
  return tf.constant(z), tf.one_hot(np.arange(batch) % config.num_classes, config.num_classes)


def test_accumulation_is_reproducible_and_used_at_inference():
  config = tfbiggan.get_config("digits-32")
  g = tfbiggan.Generator(config)
  z, y = _inputs(config)
  before = g(z, y).numpy()  # moving averages (initial)
  accumulate_standing_statistics(g, num_batches=3, batch_size=8, truncation=0.5, seed=1)
  assert all(bn.accumulation_counter.numpy() == 3 for bn in g.batch_norms)
  after = g(z, y).numpy()
  assert np.max(np.abs(after - before)) > 1e-3
  means = [bn.standing_moments()[0].numpy() for bn in g.batch_norms]
  accumulate_standing_statistics(g, num_batches=3, batch_size=8, truncation=0.5, seed=1)
  for bn, mean in zip(g.batch_norms, means):
    np.testing.assert_array_equal(bn.standing_moments()[0].numpy(), mean)
  np.testing.assert_allclose(g(z[:1], y[:1]).numpy(), after[:1], atol=1e-5)


def test_baked_grid_equals_accumulation_at_each_truncation():
  config = tfbiggan.get_config("digits-32", truncation_grid=(0.25, 1.0))
  g = tfbiggan.Generator(config)
  z, y = _inputs(config)
  bake_truncation_statistics(g, num_batches=2, batch_size=8, seed=5)
  baked = g(z, y, truncation=0.25).numpy()
  accumulate_standing_statistics(g, num_batches=2, batch_size=8, truncation=0.25, seed=5)
  np.testing.assert_allclose(g(z, y).numpy(), baked, atol=1e-5)
  assert np.max(np.abs(g(z, y, truncation=1.0).numpy() - baked)) > 1e-3


def test_bake_without_grid_says_how_to_add_one():
  with pytest.raises(ValueError, match="truncation_grid"):
    bake_truncation_statistics(tfbiggan.Generator(tfbiggan.get_config("digits-32", truncation_grid=())))
