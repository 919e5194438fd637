import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from layer_test_case import run_layer_test
from tfbiggan.models.discriminator import Discriminator


def _inputs(config, batch=3):
  rng = np.random.default_rng(0)
  images = rng.uniform(-1, 1, (batch, config.resolution, config.resolution, 3))
  labels = np.arange(batch) % config.num_classes
  return tf.constant(images, tf.float32), tf.one_hot(labels, config.num_classes), labels


@pytest.mark.smoke
def test_layer_harness_digits():
  config = tfbiggan.get_config("digits-32")
  images, y, _ = _inputs(config)
  run_layer_test(Discriminator, dict(config=config), (images, y), expected_output_shape=(3,),
                 expected_output_dtype=tf.float32, xla_tolerance=1e-4)


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["biggan-128", "biggan-deep-128"])
def test_tiny_official_layouts(name):
  config = tfbiggan.get_config(name, g_ch=8, d_ch=8)
  images, y, labels = _inputs(config, batch=2)
  d = Discriminator(config)
  logits = d(images, y)
  assert logits.shape == (2,) and logits.dtype == tf.float32
  np.testing.assert_allclose(d(images, tf.constant(labels)).numpy(), logits.numpy(), rtol=1e-5)
  np.testing.assert_allclose(d(images[:1], y[:1]).numpy(), logits.numpy()[:1], rtol=1e-5)
  xla = tf.function(lambda a, b: d(a, b), jit_compile=True)(images, y)
  np.testing.assert_allclose(xla.numpy(), logits.numpy(), rtol=1e-4, atol=1e-4)
  mixed = Discriminator(config, dtype="mixed_bfloat16")
  mixed.set_weights(d.get_weights())
  mixed_logits = mixed(images, y)
  assert mixed_logits.dtype == tf.float32
  scale = max(1.0, float(np.max(np.abs(logits.numpy()))))
  assert float(np.max(np.abs(mixed_logits.numpy() - logits.numpy()))) < 0.05 * scale


def test_logits_of_soft_labels_mix_the_per_class_logits():
  """The projection term is linear in y, so soft labels mix the per-class logits. (That the
  term is there, with the right value, is tests/test_forward_reference.py's check.)"""
  config = tfbiggan.get_config("digits-32")
  d = Discriminator(config)
  images, y, _ = _inputs(config)
  soft = 0.25 * y + 0.75 * tf.roll(y, 1, axis=1)
  mixed = d(images, soft).numpy()
  expected = 0.25 * d(images, y).numpy() + 0.75 * d(images, tf.roll(y, 1, axis=1)).numpy()
  np.testing.assert_allclose(mixed, expected, rtol=1e-4, atol=1e-4)
  assert np.abs(d(images, y).numpy() - d(images, tf.roll(y, 1, axis=1)).numpy()).max() > 1e-3


def test_bad_inputs():
  d = Discriminator("digits-32")
  images, y, _ = _inputs(d.config)
  with pytest.raises(ValueError, match=r"\[batch, 32, 32, 3\]"):
    d(tf.zeros([2, 16, 16, 3]), y[:2])
  with pytest.raises(ValueError, match=r"\[batch, 10\]"):
    d(images, tf.zeros([3, 4]))
