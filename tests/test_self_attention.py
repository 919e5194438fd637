import numpy as np
import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.self_attention import SelfAttention


def test_layer_harness():
  x = tf.random.normal([2, 8, 8, 16])
  # theta, phi, g, o_conv kernels + gamma; one u per conv. gamma = 0 at init, so set
  # updates_state (SN u) is still checked through training.
  run_layer_test(SelfAttention, {}, (x,), expected_output_shape=(2, 8, 8, 16),
                 expected_num_trainable_weights=5, expected_num_non_trainable_weights=4)


def test_zero_gamma_is_the_identity():
  x = tf.random.normal([2, 8, 8, 16])
  np.testing.assert_array_equal(SelfAttention()(x).numpy(), x.numpy())


def test_matches_numpy_reference():
  layer = SelfAttention(spectral_norm=False)
  x = tf.random.normal([2, 4, 6, 16])
  layer(x)
  layer.gamma.assign([0.7])
  w = {name: getattr(layer, name).w.numpy()[0, 0] for name in ("theta", "phi", "g", "o_conv")}
  xs = x.numpy()
  theta = xs @ w["theta"]
  pool = lambda a: a.reshape(2, 2, 2, 3, 2, a.shape[-1]).max(axis=(2, 4))
  phi = pool(xs @ w["phi"]).reshape(2, 6, 2)
  g = pool(xs @ w["g"]).reshape(2, 6, 8)
  logits = theta.reshape(2, 24, 2) @ phi.transpose(0, 2, 1)
  attn = np.exp(logits - logits.max(-1, keepdims=True))
  attn /= attn.sum(-1, keepdims=True)
  expected = xs + 0.7 * ((attn @ g).reshape(2, 4, 6, 8) @ w["o_conv"])
  np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-4, atol=1e-5)
