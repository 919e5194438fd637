import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.sn_dense import SNDense


def test_layer_harness():
  run_layer_test(SNDense, dict(units=6, num_singular_vectors=3), (tf.random.normal([4, 5]),),
                 expected_output_shape=(4, 6), expected_num_trainable_weights=2,
                 expected_num_non_trainable_weights=3)


def test_without_spectral_norm_is_a_plain_matmul():
  layer = SNDense(3, use_bias=False, spectral_norm=False)
  x = tf.random.normal([2, 4])
  out = layer(x)
  assert not layer.non_trainable_weights
  np.testing.assert_allclose(out.numpy(), x.numpy() @ layer.w.numpy(), rtol=1e-5)


def test_weight_names_follow_official_modules():
  layer = SNDense(3, name="G_linear")
  layer(tf.ones([1, 2]))
  assert [w.path for w in layer.weights] == ["G_linear/w", "G_linear/b", "G_linear/u0"]
