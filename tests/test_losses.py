import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from tfbiggan import losses


def test_hinge_and_non_saturating_per_example():
  real = tf.constant([2.0, 0.5, -1.0])
  fake = tf.constant([-2.0, 0.0, 1.0])
  np.testing.assert_allclose(losses.discriminator_loss(real, fake), [0.0, 1.5, 4.0])
  np.testing.assert_allclose(losses.generator_loss(fake), [2.0, 0.0, -1.0])
  softplus = lambda x: np.log1p(np.exp(x))
  np.testing.assert_allclose(losses.discriminator_loss(real, fake, "non_saturating"),
                             softplus(-real.numpy()) + softplus(fake.numpy()), rtol=1e-6)
  np.testing.assert_allclose(losses.generator_loss(fake, "non_saturating"),
                             softplus(-fake.numpy()), rtol=1e-6)
  with pytest.raises(ValueError, match="loss must be one of"):
    losses.generator_loss(fake, "wasserstein")


@pytest.mark.parametrize("shape", [(3, 3, 4, 6), (12, 200)],
                         ids=["conv, tall", "dense, wide (the smaller Gram)"])
def test_orthogonal_regularization_value_and_gradient_convention(shape):
  rng = np.random.default_rng(0)
  kernel = tf.Variable(rng.standard_normal(shape).astype(np.float32))
  beta = 1e-4
  out = shape[-1]
  w = kernel.numpy().reshape(-1, out).astype(np.float64)
  off = (w.T @ w) * (1 - np.eye(out))
  with tf.GradientTape() as tape:
    value = losses.orthogonal_regularization([kernel], beta)
  np.testing.assert_allclose(value.numpy(), 0.5 * beta * np.sum(off**2), rtol=1e-5)
  # BP's step (spec §5.1): 2 beta W ((W^T W) * (1 - I)) in TF layout.
  expected = (2 * beta * w @ off).reshape(kernel.shape)
  np.testing.assert_allclose(tape.gradient(value, kernel).numpy(), expected, rtol=1e-4)
  orthogonal = tf.constant(np.linalg.qr(rng.standard_normal((8, 5)))[0], tf.float32)
  assert float(losses.orthogonal_regularization([orthogonal])) < 1e-12


def test_orthogonal_regularization_gradient_matches_finite_differences():
  rng = np.random.default_rng(1)
  kernel = rng.standard_normal((2, 2, 3, 4))
  beta = 1e-2
  variable = tf.Variable(kernel, dtype=tf.float64)
  with tf.GradientTape() as tape:
    value = losses.orthogonal_regularization([variable], beta)
  analytic = tape.gradient(value, variable).numpy()
  numeric = np.zeros_like(kernel)
  step = 1e-2  # The penalty is computed in float32; its 3rd derivative is small.
  for index in np.ndindex(kernel.shape):
    delta = np.zeros_like(kernel)
    delta[index] = step
    plus = losses.orthogonal_regularization([tf.constant(kernel + delta)], beta)
    minus = losses.orthogonal_regularization([tf.constant(kernel - delta)], beta)
    numeric[index] = (float(plus) - float(minus)) / (2 * step)
  np.testing.assert_allclose(analytic, numeric, rtol=2e-3, atol=2e-4)
  assert np.max(np.abs(analytic)) > 0.05  # Not a comparison of zeros.


def test_regularised_kernels_exclude_shared_embedding_and_vectors():
  g = tfbiggan.Generator("digits-32")
  kernels = losses.orthogonal_regularization_kernels(g)
  paths = {w.path for w in kernels}
  assert "Generator/linear/w" not in paths
  assert "Generator/G_linear/w" in paths and "Generator/GBlock/HyperBN/gamma/w" in paths
  assert all(len(w.shape) >= 2 for w in kernels)
  assert len(kernels) == sum(1 for w in g.trainable_weights if len(w.shape) >= 2) - 1


def test_r1_penalty_of_a_linear_discriminator():
  a = tf.constant(np.random.default_rng(1).standard_normal((4, 4, 3)), tf.float32)
  fn = lambda x: tf.reduce_sum(x * a, axis=[1, 2, 3])  # gradient = a for every example
  images = tf.zeros([2, 4, 4, 3])
  np.testing.assert_allclose(losses.r1_penalty(fn, images, gamma=10.0),
                             [5.0 * np.sum(a.numpy()**2)] * 2, rtol=1e-5)


def test_mode_seeking_penalty_per_pair_and_its_gradient():
  images = np.zeros([4, 2, 2, 1], np.float32)
  images[1] = 0.5  # Pair 0 differs by 0.5 a pixel; pair 1 is one image twice.
  images[2:] = 1.0
  z = tf.constant([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [2.0, -2.0]])
  images = tf.constant(images)
  with tf.GradientTape() as tape:
    tape.watch(images)
    penalty = losses.mode_seeking_penalty(images, z)  # mean|dz|: 1 and 2
    first = penalty[0]
  np.testing.assert_allclose(penalty, [1.0 / (0.5 + 1e-5), 1.0 / 1e-5], rtol=1e-6)
  # Pulling the pair's second image away from the first lowers the penalty.
  gradient = tape.gradient(first, images).numpy()
  assert np.all(gradient[1] < 0) and np.all(gradient[0] > 0) and not gradient[2:].any()


def _cdc_as_ojha_et_al(source_layers, target_layers, layer_of_anchor):
  """CDC of one group of 4 written out as Ojha et al.'s loop: anchor i at layer
  layer_of_anchor[i], cosine similarity to each other sample, softmax, then PyTorch's
  KLDivLoss(log target, source) with its mean over the 4 x 3 entries."""
  def distributions(layers):
    rows = []
    for i, layer in enumerate(layer_of_anchor):
      flat = layers[layer].reshape(4, -1).astype(np.float64)
      cosine = [flat[i] @ flat[j] / (np.linalg.norm(flat[i]) * np.linalg.norm(flat[j]))
                for j in range(4) if j != i]
      rows.append(np.exp(cosine) / np.sum(np.exp(cosine)))
    return np.array(rows)

  source, target = distributions(source_layers), distributions(target_layers)
  return np.mean(source * (np.log(source) - np.log(target)))


def test_cross_domain_correspondence_is_the_expected_kl_of_ojha_et_al():
  rng = np.random.default_rng(0)
  shapes = [(8, 4, 4, 3), (8, 8, 8, 2)]  # Two groups of 4 samples, two layers.
  source = [rng.normal(size=shape).astype(np.float32) for shape in shapes]
  target = [rng.normal(size=shape).astype(np.float32) for shape in shapes]
  got = losses.cross_domain_correspondence_penalty([tf.constant(s) for s in source],
                                                   [tf.constant(t) for t in target])
  assert got.shape == (2,)
  for group in range(2):
    rows = slice(4 * group, 4 * group + 4)
    # Their code draws each anchor's layer at random: the penalty is that draw's mean.
    draws = [_cdc_as_ojha_et_al([s[rows] for s in source], [t[rows] for t in target], layers)
             for layers in np.ndindex(2, 2, 2, 2)]
    np.testing.assert_allclose(got[group], np.mean(draws), rtol=1e-5)
  # Zero where G's samples resemble one another as the source's do (scaled features too:
  # cosine similarity), and no gradient flows into the source.
  scaled = [tf.constant(3.0 * s) for s in source]
  with tf.GradientTape() as tape:
    tape.watch(scaled)
    same = losses.cross_domain_correspondence_penalty(scaled, [tf.constant(s) for s in source])
  np.testing.assert_allclose(same, [0.0, 0.0], atol=1e-6)
  assert all(g is None for g in tape.gradient(same, scaled))
