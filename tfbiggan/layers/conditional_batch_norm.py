"""`ConditionalBatchNorm`: BigGAN's class-conditional, cross-replica batch normalisation.

    out = (x - mean) / sqrt(var + eps) * (1 + gamma(c)) + beta(c)     (conditional)
    out = (x - mean) / sqrt(var + eps) * gamma + beta                 (unconditional)

with gamma(c), beta(c) bias-free spectrally normalised linear projections of the condition
c (paper §3: "shared embedding" and "skip-z" feed c; the `1 +` follows the official modules
and BP, not compare_gan#54) and eps = 1e-4 (spec §2.5).

Which moments normalise x:
  * training (or accumulating): the batch moments over (B, H, W), computed in float32 and,
    inside a replica context of several replicas, summed over all replicas first (paper §3:
    BN statistics "across all devices"), so the result equals BN over the global batch;
  * inference: stored statistics, so that a sample never depends on its batch. In order of
    preference: the per-truncation standing statistics when the layer has a truncation grid
    and a truncation is given (linear interpolation between grid points); else the standing
    statistics accumulated by `accumulate=True` calls (paper App. C / CG `accumulated_*`);
    else the moving averages kept during training.
"""

import keras
import tensorflow as tf

from tfbiggan.layers.sn_dense import SNDense

# Variables assigned inside replica contexts hold the same value on every replica (the
# moments are already synchronised), so the first replica's value is the value.
_SYNCED = "only_first_replica"


def grid_position(grid, value):
  """Where `value` lies on the increasing `grid`: between points `index` and `index + 1`.

  A handful of ops whatever the grid's length: the index counts the interior points at or
  below the value.

  Args:
    grid: Python sequence of T >= 2 increasing floats.
    value: float scalar; clipped to [grid[0], grid[-1]].

  Returns: (index, weight): int32 scalar in [0, T - 2] and the float32 scalar share of point
  `index + 1`, in [0, 1]; exactly 0 when value == grid[index].
  """
  points = tf.constant(grid, tf.float32)
  value = tf.clip_by_value(tf.cast(value, tf.float32), grid[0], grid[-1])
  interior = tf.constant(grid[1:-1], tf.float32, shape=[len(grid) - 2])
  index = tf.reduce_sum(tf.cast(value >= interior, tf.int32))
  low, high = tf.gather(points, index), tf.gather(points, index + 1)
  return index, (value - low) / (high - low)


def grid_weights(grid, value):
  """Linear-interpolation weights of `value` over the points of the increasing `grid`.

  `grid_weights(grid, t) @ table` interpolates the rows of a [T, C] table at t. A network
  computes the weights once and hands them to all its batch norms (an exported module's
  graph would otherwise repeat these ops in every layer, and each op adds to its load time).

  Args:
    grid: Python sequence of T >= 2 increasing floats.
    value: float scalar; clipped to [grid[0], grid[-1]].

  Returns: float32 [1, T]: 1 - w at `index` and w at `index + 1` of `grid_position`, zero
  elsewhere; exactly one-hot when value is a grid point.
  """
  index, weight = grid_position(grid, value)
  points = len(grid)
  return tf.expand_dims((1.0 - weight) * tf.one_hot(index, points)
                        + weight * tf.one_hot(index + 1, points), 0)


def interpolate_on_grid(grid, table, value):
  """Linear interpolation of the rows of `table` at `value` on the increasing `grid`.

  Args:
    grid: Python sequence of T increasing floats.
    table: float32 [T, C], one row per grid point.
    value: float32 scalar; clipped to [grid[0], grid[-1]].

  Returns: float32 [C]; exactly `table[i]` when value == grid[i].
  """
  if len(grid) == 1:
    return table[0]
  return tf.matmul(grid_weights(grid, value), table)[0]


def _normalize(x, mean, scale, bias, dtype):
  """(x - mean) * scale + bias in float32, returned in `dtype`: x [B, ..., C] in any float
  dtype; mean [C] or [1, C]; scale, bias broadcastable to x."""
  return tf.cast((tf.cast(x, tf.float32) - mean) * scale + bias, dtype)


# One XLA computation per shape: a single pass over x where TensorFlow's kernels make one
# pass per op (cast, subtract, multiply, add, cast); the arithmetic and its float32 are the
# same. Only for inference (`ConditionalBatchNorm.fuse_inference`).
_fused_normalize = tf.function(_normalize, jit_compile=True, autograph=False,
                               reduce_retracing=True)


@keras.saving.register_keras_serializable(package="tfbiggan")
class ConditionalBatchNorm(keras.layers.Layer):
  """Class-conditional (or plain) batch norm with BigGAN's statistics handling.

  Args:
    conditional: project a condition vector to the gain and bias (`gamma`, `beta` SNDense
      sublayers, paths `.../gamma/w` as in the official modules); else trainable `gamma`
      (ones) and `beta` (zeros) vectors.
    epsilon: variance epsilon (1e-4 in the official modules).
    momentum: decay of the moving averages updated by training calls.
    cross_replica: synchronise batch moments across replicas.
    truncation_grid: truncation values with their own standing statistics (empty: none).
    spectral_norm, num_singular_vectors, sn_epsilon, kernel_initializer: for the
      conditional projections.
    **kwargs: `keras.layers.Layer` arguments.

  Call args:
    inputs: [B, H, W, C] (or [B, C]).
    condition: float [B, D], required when conditional.
    training: batch statistics, update moving averages and SN vectors.
    accumulate: batch statistics, added to the standing-statistics accumulators.
    truncation: float scalar selecting per-truncation statistics at inference, or its
      `grid_weights` over `truncation_grid` ([1, T]; a network computes them once).

  Returns: same shape as inputs, compute dtype.

  Attributes:
    fuse_inference: inference calls normalise in one XLA computation (set by
      `Generator.freeze_kernels` in a reduced precision); the same float32 arithmetic.

  Example:
  >>> bn = ConditionalBatchNorm()
  >>> bn(tf.ones([2, 4, 4, 8]), tf.ones([2, 5]), training=True).shape
  TensorShape([2, 4, 4, 8])
  """

  def __init__(self, conditional=True, epsilon=1e-4, momentum=0.9, cross_replica=True,
               truncation_grid=(), spectral_norm=True, num_singular_vectors=1,
               sn_epsilon=1e-4, kernel_initializer="orthogonal", **kwargs):
    super().__init__(**kwargs)
    self.conditional = conditional
    self.epsilon = epsilon
    self.momentum = momentum
    self.cross_replica = cross_replica
    self.truncation_grid = tuple(float(t) for t in truncation_grid)
    self.spectral_norm = spectral_norm
    self.num_singular_vectors = num_singular_vectors
    self.sn_epsilon = sn_epsilon
    self.kernel_initializer = kernel_initializer
    self.fuse_inference = False

  def build(self, inputs_shape, condition_shape=None):
    channels = inputs_shape[-1]
    if self.conditional:
      if condition_shape is None:
        raise ValueError(f"{self.name}: a conditional batch norm needs a condition [B, D]")
      projection = dict(units=channels, use_bias=False, spectral_norm=self.spectral_norm,
                        num_singular_vectors=self.num_singular_vectors,
                        epsilon=self.sn_epsilon, kernel_initializer=self.kernel_initializer,
                        dtype=self.dtype_policy)
      self.gamma = SNDense(name="gamma", **projection)
      self.beta = SNDense(name="beta", **projection)
      self.gamma.build(condition_shape)
      self.beta.build(condition_shape)
    else:
      self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer="ones",
                                   autocast=False)
      self.beta = self.add_weight(name="beta", shape=(channels,), initializer="zeros",
                                  autocast=False)

    def statistic(name, shape, initializer):
      return self.add_weight(name=name, shape=shape, initializer=initializer,
                             trainable=False, autocast=False, aggregation=_SYNCED)

    self.moving_mean = statistic("moving_mean", (channels,), "zeros")
    self.moving_var = statistic("moving_var", (channels,), "ones")
    # Names as in the official biggan v2 modules (spec §3.2).
    self.accumulated_mean = statistic("accumulated_mean", (channels,), "zeros")
    self.accumulated_var = statistic("accumulated_var", (channels,), "zeros")
    self.accumulation_counter = statistic("accumulation_counter", (), "zeros")
    if self.truncation_grid:
      grid_shape = (len(self.truncation_grid), channels)
      self.truncation_means = statistic("truncation_means", grid_shape, "zeros")
      self.truncation_vars = statistic("truncation_vars", grid_shape, "ones")

  # Statistics --------------------------------------------------------------------------

  def _batch_moments(self, x):
    """Mean and variance over all axes but the last, across replicas; float32 [C] each."""
    axes = list(range(len(x.shape) - 1))
    count = tf.cast(tf.reduce_prod(tf.shape(x)[:-1]), tf.float32)
    total = tf.reduce_sum(x, axes)
    total_sq = tf.reduce_sum(tf.square(x), axes)
    context = tf.distribute.get_replica_context()
    if (self.cross_replica and context is not None
        and context.num_replicas_in_sync > 1):
      # One all-reduce of [sum, sum of squares, count]; its gradient is an all-reduce too.
      channels = x.shape[-1]
      packed = context.all_reduce(
          tf.distribute.ReduceOp.SUM, tf.concat([total, total_sq, [count]], 0))
      total, total_sq, count = packed[:channels], packed[channels:-1], packed[-1]
    mean = total / count
    var = tf.maximum(total_sq / count - tf.square(mean), 0.0)
    return mean, var

  def standing_moments(self):
    """The accumulated standing statistics (mean, var), float32 [C] each."""
    count = tf.maximum(self.accumulation_counter.value, 1.0)
    return self.accumulated_mean.value / count, self.accumulated_var.value / count

  def _inference_moments(self, truncation):
    if truncation is not None and len(self.truncation_grid) == 1:
      return self.truncation_means.value[0], self.truncation_vars.value[0]
    if truncation is not None and self.truncation_grid:
      weights = tf.cast(truncation, tf.float32)
      if weights.shape.rank != 2:
        weights = grid_weights(self.truncation_grid, weights)
      # [1, C] each, broadcast over the batch like [C].
      return (tf.matmul(weights, self.truncation_means.value),
              tf.matmul(weights, self.truncation_vars.value))
    has_standing = self.accumulation_counter.value > 0
    standing_mean, standing_var = self.standing_moments()
    return (tf.where(has_standing, standing_mean, self.moving_mean.value),
            tf.where(has_standing, standing_var, self.moving_var.value))

  def reset_accumulators(self):
    """Zeroes the standing-statistics accumulators before a new accumulation."""
    for variable in (self.accumulated_mean, self.accumulated_var, self.accumulation_counter):
      variable.assign(tf.zeros_like(variable.value))

  def store_truncation_statistics(self, index):
    """Copies the accumulated standing statistics into row `index` of the truncation grid."""
    if not self.truncation_grid:
      raise ValueError(f"{self.name} has no truncation grid; set truncation_grid")
    mean, var = self.standing_moments()
    self.truncation_means.assign(
        tf.tensor_scatter_nd_update(self.truncation_means.value, [[index]], [mean]))
    self.truncation_vars.assign(
        tf.tensor_scatter_nd_update(self.truncation_vars.value, [[index]], [var]))

  # Forward ------------------------------------------------------------------------------

  def call(self, inputs, condition=None, training=False, accumulate=False, truncation=None):
    if training or accumulate:
      mean, var = self._batch_moments(tf.cast(inputs, tf.float32))
      if accumulate:
        self.accumulated_mean.assign_add(mean)
        self.accumulated_var.assign_add(var)
        self.accumulation_counter.assign_add(1.0)
      else:
        self.moving_mean.assign(self.momentum * self.moving_mean.value
                                + (1.0 - self.momentum) * mean)
        self.moving_var.assign(self.momentum * self.moving_var.value
                               + (1.0 - self.momentum) * var)
    else:
      mean, var = self._inference_moments(truncation)
    inv_std = tf.math.rsqrt(var + self.epsilon)

    if self.conditional:
      if condition is None:
        raise ValueError(f"{self.name}: a conditional batch norm needs a condition [B, D]")
      # [B, C] -> [B, 1, ..., 1, C] to broadcast over the spatial axes.
      shape = [-1] + [1] * (len(inputs.shape) - 2) + [inputs.shape[-1]]
      gain = 1.0 + tf.reshape(tf.cast(self.gamma(condition, training=training), tf.float32),
                              shape)
      bias = tf.reshape(tf.cast(self.beta(condition, training=training), tf.float32), shape)
    else:
      gain, bias = self.gamma.value, self.beta.value
    fused = self.fuse_inference and not (training or accumulate)
    # `inputs` as they come: the fused computation casts them in its single pass.
    return (_fused_normalize if fused else _normalize)(inputs, mean, inv_std * gain, bias,
                                                       self.compute_dtype)

  def compute_output_shape(self, inputs_shape, condition_shape=None):
    return inputs_shape

  def get_config(self):
    config = super().get_config()
    config.update(conditional=self.conditional, epsilon=self.epsilon, momentum=self.momentum,
                  cross_replica=self.cross_replica, truncation_grid=list(self.truncation_grid),
                  spectral_norm=self.spectral_norm,
                  num_singular_vectors=self.num_singular_vectors, sn_epsilon=self.sn_epsilon,
                  kernel_initializer=self.kernel_initializer)
    return config
