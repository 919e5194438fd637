import numpy as np
import pytest
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.resampling import add_upsampled
from tfbiggan.layers.resampling import upsample_nearest_2x
from tfbiggan.layers.sn_conv2d import SNConv2D


def test_layer_harness():
  run_layer_test(SNConv2D, dict(filters=4, kernel_size=3), (tf.random.normal([2, 6, 6, 3]),),
                 expected_output_shape=(2, 6, 6, 4), expected_num_trainable_weights=2,
                 expected_num_non_trainable_weights=1)


def test_sigma_is_that_of_the_kernel_reshaped_to_out_columns():
  layer = SNConv2D(5, 3, use_bias=False)
  layer.build((None, 8, 8, 4))
  for _ in range(200):
    layer(tf.zeros([1, 8, 8, 4]), training=True)
  matrix = layer.w.numpy().reshape(-1, 5)
  np.testing.assert_allclose(layer.singular_values().numpy()[0],
                             np.linalg.svd(matrix, compute_uv=False)[0], rtol=1e-3)


def test_upsampling_layer_harness():
  run_layer_test(SNConv2D, dict(filters=4, kernel_size=3, upsample=True),
                 (tf.random.normal([2, 3, 5, 3]),), expected_output_shape=(2, 6, 10, 4),
                 expected_num_trainable_weights=2, expected_num_non_trainable_weights=1)


def _pair(kernel_size, seed=0):
  """An upsampling SNConv2D and a plain one with the same weights (random bias)."""
  up, plain = (SNConv2D(6, kernel_size, upsample=u) for u in (True, False))
  up.build((None, None, None, 5))
  plain.build((None, None, None, 5))
  up.b.assign(tf.random.stateless_normal([6], [seed, 1]))
  plain.set_weights(up.get_weights())
  return up, plain


def test_upsampling_conv_equals_conv_of_the_upsampled_input():
  # Odd, unequal sides: a parity or border mistake shows at the edges.
  x = tf.random.stateless_normal([2, 3, 5, 5], [0, 0])
  for kernel_size in (3, 1):
    up, plain = _pair(kernel_size)
    expected = plain(upsample_nearest_2x(x)).numpy()
    got = up(x).numpy()
    assert got.shape == (2, 6, 10, 6)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # Frozen for sampling: the folded kernel is stored and gives the same images.
    up.freeze_kernel()
    np.testing.assert_allclose(up(x).numpy(), expected, atol=1e-5)


def test_upsampling_conv_trains_the_same_kernel():
  # Gradients to w, b and the input are those of upsample-then-conv (training calls too).
  x = tf.random.stateless_normal([2, 4, 4, 5], [1, 0])
  weight = tf.random.stateless_normal([2, 8, 8, 6], [2, 0])
  up, plain = _pair(3)
  grads = []
  for layer, upsample in ((up, False), (plain, True)):
    with tf.GradientTape() as tape:
      tape.watch(x)
      inputs = upsample_nearest_2x(x) if upsample else x
      loss = tf.reduce_sum(layer(inputs, training=True) * weight)
    grads.append(tape.gradient(loss, [layer.w, layer.b, x]))
  for got, expected in zip(*grads):
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(up.us[0].numpy(), plain.us[0].numpy(), rtol=1e-6)


def test_add_upsampled_equals_the_sum_with_the_upsampled_map():
  x = tf.random.stateless_normal([2, 3, 5, 4], [3, 0])
  h = tf.random.stateless_normal([2, 6, 10, 4], [4, 0])
  np.testing.assert_array_equal(add_upsampled(h, x).numpy(),
                                (h + upsample_nearest_2x(x)).numpy())


def test_channels_computes_the_first_outputs_of_the_whole_kernels_conv():
  layer = SNConv2D(8, 3)
  x = tf.random.stateless_normal([2, 5, 5, 4], [5, 0])
  layer.build(x.shape)
  layer.b.assign(tf.range(8, dtype=tf.float32))
  np.testing.assert_allclose(layer(x, channels=3).numpy(), layer(x).numpy()[..., :3],
                             atol=1e-6)
  with pytest.raises(ValueError, match="without upsampling"):
    SNConv2D(8, 3, upsample=True)(x, channels=3)
