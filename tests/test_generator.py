"""Generator: harness, spec forward pass, batch independence, truncation, bad input."""

import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from layer_test_case import run_layer_test
from tfbiggan.models.generator import Generator

# Full layouts of the official presets at a twelfth of their width (attention needs / 8).
TINY = {
    "biggan-128": dict(g_ch=8, d_ch=8),
    "biggan-deep-128": dict(g_ch=8, d_ch=8),
}


def tiny(name, **overrides):
  return tfbiggan.get_config(name, **TINY.get(name, {}), **overrides)


def _inputs(config, batch=3, seed=0):
  z = tfbiggan.truncated_noise(batch, config.dim_z, 1.0, seed=seed)
  y = tf.one_hot(np.arange(batch) % config.num_classes, config.num_classes)
  return tf.constant(z), y


@pytest.mark.smoke
def test_layer_harness_digits():
  config = tfbiggan.get_config("digits-32")
  z, y = _inputs(config)
  out = run_layer_test(Generator, dict(config=config), (z, y),
                       expected_output_shape=(3, 32, 32, 3), expected_output_dtype=tf.float32,
                       xla_tolerance=1e-4)
  assert float(tf.reduce_max(tf.abs(out))) <= 1.0


@pytest.mark.parametrize("name", ["biggan-128", "biggan-deep-128"])
def test_layer_harness_tiny_official_layouts(name):
  config = tiny(name)
  z, y = _inputs(config, batch=2)
  run_layer_test(Generator, dict(config=config), (z, y), expected_output_shape=(2, 128, 128, 3),
                 expected_output_dtype=tf.float32, xla_tolerance=1e-4,
                 run_mixed_precision_check=False)


def _spec_forward(g, z, y):
  """The forward pass of spec §2.1 / §2.2, written out from the model's sublayers."""
  config = g.config
  emb = tf.matmul(y, g.shared_embedding.w)  # no SN on the shared embedding
  if config.hierarchical_z:
    chunk = config.z_chunk_size
    pieces = [z[:, i * chunk:(i + 1) * chunk] for i in range(config.num_g_blocks + 1)]
    h = g.linear(pieces[0])
    conditions = [tf.concat([p, emb], 1) for p in pieces[1:]]  # z chunk first
  else:
    conditions = [tf.concat([z, emb], 1)] * config.num_g_blocks  # z first
    h = g.linear(conditions[0])
  h = tf.reshape(h, [-1, 4, 4, config.g_channel_multipliers[0] * config.g_ch])
  for i, block in enumerate(g.blocks):
    if i == config.g_attention_block:
      h = g.attention(h)
    h = block(h, conditions[i])
  h = g.conv_out(tf.nn.relu(g.final_bn(h)))
  assert h.shape[-1] == config.g_rgb_channels
  return tf.tanh(h[..., :3])


@pytest.mark.smoke
@pytest.mark.parametrize("name", ["biggan-128", "biggan-deep-128", "digits-32"])
def test_forward_pass_follows_the_spec(name):
  config = tiny(name)
  g = Generator(config)
  g.attention is not None and g.attention.gamma.assign([0.5])  # make attention matter
  z, y = _inputs(config, batch=2)
  np.testing.assert_allclose(g(z, y).numpy(), _spec_forward(g, z, y).numpy(), atol=1e-5)


def test_condition_widths_follow_the_official_modules():
  assert Generator(tiny("biggan-128")).blocks[0].bn0.gamma.w.shape == (20 + 128, 16 * 8)
  assert Generator(tiny("biggan-deep-128")).blocks[0].bn0.gamma.w.shape == (128 + 128, 16 * 8)


@pytest.mark.parametrize("name", ["biggan-128", "biggan-deep-128"])
def test_inference_sample_does_not_depend_on_its_batch(name):
  config = tiny(name)
  g = Generator(config)
  z, y = _inputs(config, batch=4)
  g(z, y, training=True)  # non-trivial moving statistics
  full = g(z, y).numpy()
  for i in range(4):
    np.testing.assert_allclose(g(z[i:i + 1], y[i:i + 1]).numpy(), full[i:i + 1], atol=1e-5)


def test_truncation_selects_grid_statistics():
  config = tfbiggan.get_config("digits-32", truncation_grid=(0.5, 1.0))
  g = Generator(config)
  z, y = _inputs(config, batch=4)
  for index, scale in enumerate([0.5, 1.0]):
    for bn in g.batch_norms:
      bn.reset_accumulators()
    g(z * scale, y, accumulate=True)
    for bn in g.batch_norms:
      bn.store_truncation_statistics(index)
  assert len(g.batch_norms) == 2 * 3 + 1
  at_half, at_one = g(z, y, truncation=0.5), g(z, y, truncation=1.0)
  assert float(tf.reduce_max(tf.abs(at_half - at_one))) > 1e-3
  tf_fn = tf.function(lambda t: g(z, y, truncation=t))
  np.testing.assert_allclose(tf_fn(tf.constant(0.5)).numpy(), at_half.numpy(), atol=1e-6)


def test_bad_inputs_name_the_expected_shape():
  g = Generator("digits-32")
  z, y = _inputs(g.config)
  with pytest.raises(ValueError, match=r"z must have shape \[batch, dim_z\] = \[batch, 64\]"):
    g(tf.zeros([3, 10]), y)
  with pytest.raises(ValueError, match=r"\[batch, 10\]"):
    g(z, tf.zeros([3, 7]))
  with pytest.raises(ValueError, match="same batch size"):
    g(z, y[:2])
  with pytest.raises(ValueError, match="known configs: .*biggan-128"):
    Generator("biggan-1024")


@pytest.mark.parametrize("name", ["digits-32", "biggan-deep-128"])
def test_mixed_bfloat16_generator_runs_with_float32_statistics(name):
  config = tiny(name)
  reference = Generator(config)
  g = Generator(config, dtype="mixed_bfloat16")
  g.set_weights(reference.get_weights())
  z, y = _inputs(config, batch=8)
  # bfloat16 keeps ~3 significant digits; measured here: inference max |diff| <= 0.03,
  # training (batch moments of the tiny model's 2-channel bottlenecks) mean |diff| ~0.01.
  assert float(tf.reduce_max(tf.abs(g(z, y) - reference(z, y)))) < 0.06
  out = g(z, y, training=True)
  assert out.dtype == tf.float32 and np.all(np.isfinite(out.numpy()))
  assert all(v.dtype == "float32" for v in g.weights)
  assert g.blocks[0].bn0.moving_mean.dtype == "float32"
  assert float(tf.reduce_mean(tf.abs(out - reference(z, y, training=True)))) < 0.03


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_frozen_generator_draws_the_same_images_and_fuses_batch_norms_in_bfloat16(dtype):
  config = tiny("biggan-deep-128")
  g = Generator(config, dtype=dtype)
  z, y = _inputs(config, batch=4)
  draw = tf.function(lambda: g(z, y))
  before = draw().numpy()
  g.freeze_kernels()
  after = tf.function(lambda: g(z, y))().numpy()
  # bfloat16 alone gains from the fused normalisation (it saves the casts' passes).
  fused = [bn.fuse_inference for bn in g.batch_norms]
  assert fused == [dtype != "float32"] * len(g.batch_norms)
  # Fused, a batch norm may round an output one bfloat16 step apart (max |diff| 0 here,
  # 0.006 on the full-width biggan-deep-128 at batch 8).
  np.testing.assert_allclose(after, before, atol=1e-5 if dtype == "float32" else 0.01)
  g.freeze_kernels(False)
  assert not any(bn.fuse_inference for bn in g.batch_norms)
