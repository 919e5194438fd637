import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.sn_embedding import SNEmbedding


def test_layer_harness():
  run_layer_test(SNEmbedding, dict(input_dim=10, output_dim=4),
                 (tf.one_hot([1, 3, 5], 10),), expected_output_shape=(3, 4),
                 expected_num_trainable_weights=1, expected_num_non_trainable_weights=1)


def test_ids_and_one_hot_agree():
  layer = SNEmbedding(10, 4)
  by_id = layer(tf.constant([2, 7]))
  by_one_hot = layer(tf.one_hot([2, 7], 10))
  np.testing.assert_allclose(by_id.numpy(), by_one_hot.numpy(), rtol=1e-6, atol=1e-7)
