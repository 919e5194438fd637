import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.deep_generator_block import DeepGeneratorBlock


def test_layer_harness():
  x, c = tf.random.normal([2, 4, 4, 16]), tf.random.normal([2, 6])
  # 4 convs (w, b) + 4 BNs x (gamma, beta) = 16 trainable; 4 conv u + 4 x 7 = 32.
  run_layer_test(DeepGeneratorBlock, dict(out_channels=8, upsample=True), (x, c),
                 expected_output_shape=(2, 8, 8, 8), expected_num_trainable_weights=16,
                 expected_num_non_trainable_weights=32)


def test_skip_keeps_the_first_channels():
  block = DeepGeneratorBlock(8, upsample=False)
  x = tf.random.normal([2, 4, 4, 16])
  block(x, tf.ones([2, 6]))
  block.conv3.w.assign(tf.zeros_like(block.conv3.w))  # residual branch = bias (zeros)
  np.testing.assert_allclose(block(x, tf.ones([2, 6])).numpy(), x.numpy()[..., :8], atol=1e-6)


def test_widening_is_rejected():
  import pytest
  with pytest.raises(ValueError, match="must not exceed"):
    DeepGeneratorBlock(32)(tf.ones([1, 4, 4, 16]), tf.ones([1, 6]))
