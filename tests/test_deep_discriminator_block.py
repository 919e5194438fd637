import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.deep_discriminator_block import DeepDiscriminatorBlock


def test_layer_harness():
  x = tf.random.normal([2, 8, 8, 8])
  # conv0..conv3 + conv_sc (adds 8 channels): 10 trainable, 5 u vectors.
  run_layer_test(DeepDiscriminatorBlock, dict(out_channels=16), (x,),
                 expected_output_shape=(2, 4, 4, 16), expected_num_trainable_weights=10,
                 expected_num_non_trainable_weights=5)


def test_skip_concatenates_pooled_input_with_added_channels():
  block = DeepDiscriminatorBlock(16)
  x = tf.random.normal([2, 8, 8, 8])
  block(x)
  block.conv3.w.assign(tf.zeros_like(block.conv3.w))
  out = block(x).numpy()
  pooled = x.numpy().reshape(2, 4, 2, 4, 2, 8).mean(axis=(2, 4))
  np.testing.assert_allclose(out[..., :8], pooled, atol=1e-6)
  np.testing.assert_allclose(out[..., 8:], block.conv_sc(tf.constant(pooled)).numpy(),
                             atol=1e-5)
