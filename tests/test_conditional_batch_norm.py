"""Conditional BN: plain-BN equivalence, cross-replica moments, standing statistics."""

import numpy as np
import pytest
import tensorflow as tf

from conftest import mirrored_cpu_strategy
from layer_test_case import run_layer_test
from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID
from tfbiggan.layers.conditional_batch_norm import ConditionalBatchNorm
from tfbiggan.layers.conditional_batch_norm import interpolate_on_grid

EPS = 1e-4


def _inputs(batch=8, channels=6, cond=5, seed=0):
  rng = np.random.default_rng(seed)
  x = (rng.standard_normal((batch, 4, 4, channels)) * 2 + 1).astype(np.float32)
  c = rng.standard_normal((batch, cond)).astype(np.float32)
  return tf.constant(x), tf.constant(c)


def _plain_bn(x):
  mean = x.mean(axis=(0, 1, 2))
  var = x.var(axis=(0, 1, 2))
  return (x - mean) / np.sqrt(var + EPS)


def test_layer_harness_conditional():
  x, c = _inputs()
  # gamma/beta SNDense (w each) + 5 statistics + 2 u vectors.
  run_layer_test(ConditionalBatchNorm, dict(num_singular_vectors=1), (x, c),
                 call_kwargs=dict(training=False), expected_output_shape=x.shape,
                 expected_num_trainable_weights=2, expected_num_non_trainable_weights=7)


def test_layer_harness_unconditional_with_truncation_grid():
  x, _ = _inputs()
  run_layer_test(ConditionalBatchNorm, dict(conditional=False, truncation_grid=(0.5, 1.0)),
                 (x,), call_kwargs=dict(truncation=0.75), expected_output_shape=x.shape,
                 expected_num_trainable_weights=2, expected_num_non_trainable_weights=7)


def test_zero_gain_and_bias_projections_equal_plain_batch_norm():
  x, c = _inputs()
  bn = ConditionalBatchNorm()
  bn(x, c)
  bn.gamma.w.assign(tf.zeros_like(bn.gamma.w))
  bn.beta.w.assign(tf.zeros_like(bn.beta.w))
  out = bn(x, c, training=True).numpy()
  np.testing.assert_allclose(out, _plain_bn(x.numpy()), atol=2e-5)


def test_gain_has_the_plus_one_of_the_official_modules():
  x, c = _inputs()
  bn = ConditionalBatchNorm(spectral_norm=False)
  bn(x, c)
  gain = c.numpy() @ bn.gamma.w.numpy()
  bias = c.numpy() @ bn.beta.w.numpy()
  expected = _plain_bn(x.numpy()) * (1 + gain[:, None, None, :]) + bias[:, None, None, :]
  np.testing.assert_allclose(bn(x, c, training=True).numpy(), expected, atol=1e-4)


def _distributed_forward_backward(num_replicas, x, c, weights, seed_grad):
  strategy = mirrored_cpu_strategy(num_replicas)
  with strategy.scope():
    bn = ConditionalBatchNorm()
    bn(x[:1], c[:1])
    bn.set_weights(weights)
  per_replica = x.shape[0] // num_replicas

  def split(value):
    return strategy.experimental_distribute_values_from_function(
        lambda ctx: value[ctx.replica_id_in_sync_group * per_replica:
                          (ctx.replica_id_in_sync_group + 1) * per_replica])

  xs, cs, rs = split(x), split(c), split(seed_grad)

  @tf.function
  def step(x_local, c_local, r_local):
    with tf.GradientTape() as tape:
      tape.watch(x_local)
      out = bn(x_local, c_local, training=True)
      # Averaged over the global batch, as a training loss is (tf.nn.compute_average_loss).
      loss = tf.reduce_sum(out * r_local) / float(np.prod(x.shape))
    grads = tape.gradient(loss, [x_local] + bn.trainable_weights)
    return out, grads

  out, grads = strategy.run(step, args=(xs, cs, rs))
  out = np.concatenate([t.numpy() for t in strategy.experimental_local_results(out)])
  grad_x = np.concatenate([t.numpy() for t in strategy.experimental_local_results(grads[0])])
  grad_w = [strategy.reduce("SUM", g, axis=None).numpy() for g in grads[1:]]
  moving = [bn.moving_mean.numpy(), bn.moving_var.numpy()]
  return out, [grad_x] + grad_w, moving


@pytest.mark.parametrize("num_replicas", [2, 4])
def test_cross_replica_equals_single_device_on_the_global_batch(num_replicas):
  x, c = _inputs(batch=8)
  seed_grad = tf.random.stateless_normal(x.shape, seed=[4, 2])
  reference = ConditionalBatchNorm()
  reference(x[:1], c[:1])
  weights = reference.get_weights()
  with tf.GradientTape() as tape:
    tape.watch(x)
    expected_out = reference(x, c, training=True)
    loss = tf.reduce_sum(expected_out * seed_grad) / float(np.prod(x.shape))
  expected_grads = tape.gradient(loss, [x] + reference.trainable_weights)

  out, grads, moving = _distributed_forward_backward(num_replicas, x, c, weights, seed_grad)
  assert np.max(np.abs(out - expected_out.numpy())) <= 1e-5
  for got, want in zip(grads, expected_grads):
    assert np.max(np.abs(got - want.numpy())) <= 1e-5
  np.testing.assert_allclose(moving[0], reference.moving_mean.numpy(), atol=1e-6)
  np.testing.assert_allclose(moving[1], reference.moving_var.numpy(), atol=1e-5)


def test_inference_uses_moving_then_standing_statistics_and_is_batch_independent():
  x, c = _inputs()
  bn = ConditionalBatchNorm()
  bn(x, c, training=True)
  full = bn(x, c).numpy()
  single = bn(x[:1], c[:1]).numpy()
  np.testing.assert_allclose(single, full[:1], atol=1e-6)

  # Accumulating standing statistics over two batches: their mean moments are used.
  x2, _ = _inputs(seed=1)
  bn.reset_accumulators()
  bn(x, c, accumulate=True)
  bn(x2, c, accumulate=True)
  assert bn.accumulation_counter.numpy() == 2
  mean = (x.numpy().mean((0, 1, 2)) + x2.numpy().mean((0, 1, 2))) / 2
  var = (x.numpy().var((0, 1, 2)) + x2.numpy().var((0, 1, 2))) / 2
  standing_mean, standing_var = bn.standing_moments()
  np.testing.assert_allclose(standing_mean.numpy(), mean, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(standing_var.numpy(), var, rtol=1e-4)
  bn.gamma.w.assign(tf.zeros_like(bn.gamma.w))
  bn.beta.w.assign(tf.zeros_like(bn.beta.w))
  np.testing.assert_allclose(bn(x, c).numpy(), (x.numpy() - mean) / np.sqrt(var + EPS),
                             atol=1e-4)


def test_truncation_grid_statistics_are_interpolated_linearly():
  x, _ = _inputs()
  bn = ConditionalBatchNorm(conditional=False, truncation_grid=(0.0, 0.5, 1.0))
  bn(x)
  for index, scale in enumerate([1.0, 2.0, 4.0]):
    bn.reset_accumulators()
    bn(x * scale, accumulate=True)
    bn.store_truncation_statistics(index)
  means = bn.truncation_means.numpy()
  np.testing.assert_allclose(means[1], 2 * x.numpy().mean((0, 1, 2)), rtol=1e-5, atol=1e-6)
  # On a grid point: that row exactly; between points: linear interpolation.
  on_grid = bn(x, truncation=0.5).numpy()
  expected = (x.numpy() - means[1]) / np.sqrt(bn.truncation_vars.numpy()[1] + EPS)
  np.testing.assert_allclose(on_grid, expected, atol=1e-5)
  got = interpolate_on_grid((0.0, 0.5, 1.0), tf.constant(means), tf.constant(0.75)).numpy()
  np.testing.assert_allclose(got, 0.5 * means[1] + 0.5 * means[2], rtol=1e-6)
  clipped = interpolate_on_grid((0.0, 0.5, 1.0), tf.constant(means), tf.constant(7.0)).numpy()
  np.testing.assert_allclose(clipped, means[2])


def test_official_grid_points_give_their_rows_exactly_in_a_traced_graph():
  # Exported modules run this inside tf.function, where grappler rewrites divisions by
  # constants into multiplications by reciprocals: weights like (t - g_i) / const are then
  # 1 +- 1 ulp at grid points, and the conformance tests on the 0.02 grid would drift.
  table = tf.constant(np.random.default_rng(0).standard_normal(
      (len(OFFICIAL_TRUNCATION_GRID), 64)).astype(np.float32) * 10)
  traced = tf.function(lambda t: interpolate_on_grid(OFFICIAL_TRUNCATION_GRID, table, t),
                       autograph=False)
  for index, point in enumerate(OFFICIAL_TRUNCATION_GRID):
    np.testing.assert_array_equal(traced(tf.constant(point, tf.float32)).numpy(),
                                  table.numpy()[index], err_msg=f"t = {point}")
  # Between points: linear, with weight 0.65 on the upper row.
  np.testing.assert_allclose(traced(tf.constant(0.333)).numpy(),
                             0.35 * table.numpy()[16] + 0.65 * table.numpy()[17], rtol=1e-5,
                             atol=1e-5)


def test_missing_condition_is_a_clear_error():
  x, _ = _inputs()
  with pytest.raises(ValueError, match="needs a condition"):
    ConditionalBatchNorm()(x)


def test_store_without_grid_is_a_clear_error():
  x, c = _inputs()
  bn = ConditionalBatchNorm()
  bn(x, c)
  with pytest.raises(ValueError, match="truncation_grid"):
    bn.store_truncation_statistics(0)


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_fused_inference_computes_the_same_normalisation(dtype):
  x, c = _inputs()
  bn = ConditionalBatchNorm(truncation_grid=(0.0, 1.0), dtype=dtype)
  bn(x, c, training=True)
  bn.truncation_means.assign(tf.constant([[0.5] * 6, [1.5] * 6]))
  bn.truncation_vars.assign(tf.constant([[2.0] * 6, [4.0] * 6]))
  plain = tf.function(lambda: bn(x, c, truncation=0.25))
  expected = plain().numpy().astype(np.float32)
  accumulating = bn(x, c, accumulate=True).numpy()
  bn.fuse_inference = True
  fused = tf.function(lambda: bn(x, c, truncation=0.25))
  got = fused().numpy().astype(np.float32)
  # The same float32 arithmetic in one XLA computation: float32 rounding apart, so at most
  # one bfloat16 step (2^-7 of the value) where the result is rounded to bfloat16.
  rtol = 1e-6 if dtype == "float32" else 2.0**-7
  np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-6)
  # ... and it is that one XLA computation.
  library = fused.get_concrete_function().graph.as_graph_def().library.function
  assert [f.attr["_XlaMustCompile"].b for f in library].count(True) == 1
  # Calls with the batch's moments are not fused.
  np.testing.assert_array_equal(bn(x, c, accumulate=True).numpy(), accumulating)
