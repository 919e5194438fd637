import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.discriminator_block import DiscriminatorBlock


def test_layer_harness():
  x = tf.random.normal([2, 8, 8, 3])
  run_layer_test(DiscriminatorBlock, dict(out_channels=8, preactivation=False), (x,),
                 expected_output_shape=(2, 4, 4, 8), expected_num_trainable_weights=6,
                 expected_num_non_trainable_weights=3)


def test_same_width_block_has_identity_shortcut_and_no_parameters_for_it():
  block = DiscriminatorBlock(8, downsample=False)
  x = tf.random.normal([2, 4, 4, 8])
  block(x)
  assert block.conv_sc is None and len(block.trainable_weights) == 4
  block.conv1.w.assign(tf.zeros_like(block.conv1.w))
  np.testing.assert_allclose(block(x).numpy(), x.numpy(), atol=1e-6)
