import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
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
