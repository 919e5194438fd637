"""D and the BigGAN G block against forward passes written out here from the spec (§2.1,
§2.3-2.5, §3.4) with the layers' own weights, all of them set to random values first.

Spectral norm is done in numpy as the official graph does it at inference (one power step
from the stored u0, nrm(x) = x / sqrt(sum(x^2) + 1e-4), sigma = v W u^T); convolutions and
pooling are TensorFlow's primitive ops, never tfbiggan's layers.
"""

import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from tfbiggan.layers.generator_block import GeneratorBlock
from train_utils import TINY

EPS = 1e-4  # SN and BN epsilon of the official modules (spec §2.5).


def _randomise(layer, seed=0):
  """Random values for every weight: kernels, biases, SN vectors, BN statistics."""
  rng = np.random.default_rng(seed)
  for weight in layer.weights:
    name = weight.path.rsplit("/", 1)[-1]
    if name == "moving_var":
      value = rng.uniform(0.5, 2.0, weight.shape)
    elif name == "accumulation_counter":
      value = np.zeros(weight.shape)  # Inference on the moving averages.
    elif name.startswith("u"):
      value = rng.normal(size=weight.shape)
      value /= np.linalg.norm(value)
    else:
      value = rng.normal(scale=0.3, size=weight.shape)
    weight.assign(value.astype(np.float32))
  return {weight.path: weight.numpy().astype(np.float64) for weight in layer.weights}


def _spectral_normalised(weights, prefix):
  """The kernel `prefix/w` divided by sigma of one power step from `prefix/u0` (spec §3.4)."""
  w, u = weights[f"{prefix}/w"], weights[f"{prefix}/u0"]
  matrix = w.reshape(-1, w.shape[-1])
  nrm = lambda x: x / np.sqrt(np.sum(x * x) + EPS)  # noqa: E731
  v = nrm(u @ matrix.T)
  u_new = nrm(v @ matrix)
  sigma = (v @ matrix @ u_new.T).item()
  return w / sigma


def _conv(x, weights, prefix):
  kernel = _spectral_normalised(weights, prefix)
  return tf.nn.conv2d(x, kernel, 1, "SAME").numpy() + weights[f"{prefix}/b"]


def _pool(x):
  return tf.nn.avg_pool2d(x, 2, 2, "VALID").numpy()


def _upsample(x):
  return x.repeat(2, axis=1).repeat(2, axis=2)


def _relu(x):
  return np.maximum(x, 0.0)


def reference_discriminator(weights, images, y):
  """digits-32's D (biggan-32's layout, spec §2.4): DBlock..DBlock_3, the first three
  pooling, the first without pre-activation (its input is the image), a 1x1 shortcut conv
  where the width changes; global sum pooling of ReLU; SN linear plus the projection
  <embedding(y), h> (§2.3)."""
  h = images.astype(np.float64)
  for index, block in enumerate(["DBlock", "DBlock_1", "DBlock_2", "DBlock_3"]):
    prefix = f"Discriminator/{block}"
    inputs = h
    h = _relu(inputs) if index > 0 else inputs
    h = _conv(h, weights, f"{prefix}/conv0")
    h = _conv(_relu(h), weights, f"{prefix}/conv1")
    shortcut = inputs
    if index < 3:
      h, shortcut = _pool(h), _pool(shortcut)
    if f"{prefix}/conv_sc/w" in weights:
      shortcut = _conv(shortcut, weights, f"{prefix}/conv_sc")
    h = h + shortcut
  features = _relu(h).sum(axis=(1, 2))  # [B, C]
  linear = features @ _spectral_normalised(weights, "Discriminator/linear")
  logits = linear[:, 0] + weights["Discriminator/linear/b"][0]
  projection = y @ _spectral_normalised(weights, "Discriminator/embedding")  # [B, C]
  projection_term = np.sum(projection * features, axis=1)
  return logits + projection_term, projection_term


def _conditional_bn(x, condition, weights, prefix):
  """(x - mean) / sqrt(var + eps) * (1 + gamma(c)) + beta(c), gamma and beta bias-free SN
  projections of the condition (spec §2.1, with the official `1 +`)."""
  gain = 1.0 + condition @ _spectral_normalised(weights, f"{prefix}/gamma")
  bias = condition @ _spectral_normalised(weights, f"{prefix}/beta")
  normalised = ((x - weights[f"{prefix}/moving_mean"])
                / np.sqrt(weights[f"{prefix}/moving_var"] + EPS))
  return normalised * gain[:, None, None, :] + bias[:, None, None, :]


def reference_generator_block(weights, x, condition, prefix="GBlock"):
  """BigGAN's G block (spec §2.1, paper Fig. 15(b)): BN-ReLU-up-conv3x3-BN-ReLU-conv3x3,
  shortcut up then 1x1 conv."""
  h = _relu(_conditional_bn(x, condition, weights, f"{prefix}/HyperBN"))
  h = _conv(_upsample(h), weights, f"{prefix}/conv0")
  h = _relu(_conditional_bn(h, condition, weights, f"{prefix}/HyperBN_1"))
  h = _conv(h, weights, f"{prefix}/conv1")
  return h + _conv(_upsample(x), weights, f"{prefix}/conv_sc")


def test_discriminator_equals_the_written_out_forward_pass():
  discriminator = tfbiggan.Discriminator(tfbiggan.get_config("digits-32", **TINY))
  weights = _randomise(discriminator)
  rng = np.random.default_rng(1)
  images = rng.uniform(-1, 1, (5, 32, 32, 3)).astype(np.float32)
  y = np.eye(10, dtype=np.float32)[[0, 3, 3, 7, 9]]
  got = discriminator(images, y, training=False).numpy()
  want, projection_term = reference_discriminator(weights, images, y)
  tolerance = 1e-4 * np.abs(want).max()
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=tolerance)
  # The projection term is far above the tolerance, so the check above fails if D drops it
  # (or projects onto another class's embedding).
  assert np.abs(projection_term).min() > 100 * tolerance
  other_class = discriminator(images, np.roll(y, 1, axis=1), training=False).numpy()
  assert np.abs(other_class - got).max() > 100 * tolerance


@pytest.mark.parametrize("in_channels, out_channels", [(6, 8), (8, 8)])
def test_generator_block_equals_the_written_out_forward_pass(in_channels, out_channels):
  block = GeneratorBlock(out_channels, name="GBlock")
  block.build((None, 4, 4, in_channels), (None, 5))
  weights = _randomise(block, seed=in_channels)
  rng = np.random.default_rng(2)
  x = rng.normal(size=(3, 4, 4, in_channels)).astype(np.float32)
  condition = rng.normal(size=(3, 5)).astype(np.float32)
  got = block(x, condition, training=False).numpy()
  want = reference_generator_block(weights, x, condition)
  assert got.shape == (3, 8, 8, out_channels)
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
