"""Latent sampling: truncated noise (the official modules' and the paper's conventions) and
interpolation between latents or class vectors.

The "truncation trick" (paper §4.1) samples z from a truncated normal. Two conventions exist
(spec §1.2, tensorflow/hub#214):
  * "hub" (the official TF-Hub modules and their Colab): z = t * truncnorm(-2, 2), i.e.
    values are drawn in [-2, 2] and then scaled by the truncation t in [0, 1];
  * "paper": values of N(0, 1) whose magnitude exceeds the threshold t are resampled, so
    z lies in [-t, t] (t > 0).
"""

import weakref

import numpy as np
import tensorflow as tf

CONVENTIONS = ("hub", "paper")


def _bounded_normal(rng, shape, bound):
  """N(0, 1) samples of `shape`, each redrawn until |value| <= bound (float64)."""
  values = rng.standard_normal(shape)
  outside = np.abs(values) > bound
  while outside.any():
    values[outside] = rng.standard_normal(int(outside.sum()))
    outside = np.abs(values) > bound
  return values


def truncated_noise(batch_size, dim_z, truncation=1.0, seed=None, convention="hub"):
  """Samples truncated latents z, float32 [batch_size, dim_z].

  Args:
    batch_size, dim_z: the shape.
    truncation: hub: the scale t in [0, 1] (0 gives all-zero z); paper: the threshold t > 0.
    seed: int seed (or a numpy Generator) for reproducible samples.
    convention: "hub" or "paper" (module docstring).

  Raises:
    ValueError: for an unknown convention or a truncation outside its range.
  """
  if convention not in CONVENTIONS:
    raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
  rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
  shape = (int(batch_size), int(dim_z))
  if convention == "hub":
    if not 0.0 <= truncation <= 1.0:
      raise ValueError(f"truncation must be in [0, 1] for the hub convention, got {truncation}")
    return (truncation * _bounded_normal(rng, shape, 2.0)).astype(np.float32)
  if not truncation > 0.0:
    raise ValueError(f"truncation must be > 0 for the paper convention, got {truncation}")
  return _bounded_normal(rng, shape, truncation).astype(np.float32)


INTERPOLATIONS = ("lerp", "slerp")


def interpolate(start, end, num_steps, method="lerp"):
  """Points from `start` to `end` (both included), e.g. between two z or two y vectors.

  Args:
    start, end: arrays of the same shape [..., D] (a batch of vectors is interpolated row by
      row).
    num_steps: number of points, >= 2.
    method: "lerp" (straight line; use it for class vectors y) or "slerp" (along the great
      circle between the directions, with the norm interpolated linearly; keeps Gaussian z
      at a typical norm).

  Returns:
    float32 [num_steps, *start.shape].
  """
  if method not in INTERPOLATIONS:
    raise ValueError(f"method must be one of {INTERPOLATIONS}, got {method!r}")
  if num_steps < 2:
    raise ValueError(f"num_steps must be >= 2, got {num_steps}")
  start = np.asarray(start, np.float64)
  end = np.asarray(end, np.float64)
  if start.shape != end.shape:
    raise ValueError(f"start and end must have the same shape, got {start.shape} and "
                     f"{end.shape}")
  t = np.linspace(0.0, 1.0, num_steps).reshape((num_steps,) + (1,) * start.ndim)
  if method == "lerp":
    return ((1 - t) * start + t * end).astype(np.float32)
  start_norm = np.linalg.norm(start, axis=-1, keepdims=True)
  end_norm = np.linalg.norm(end, axis=-1, keepdims=True)
  unit_start = start / np.maximum(start_norm, 1e-12)
  unit_end = end / np.maximum(end_norm, 1e-12)
  cos = np.clip(np.sum(unit_start * unit_end, axis=-1, keepdims=True), -1.0, 1.0)
  omega = np.arccos(cos)
  sin = np.sin(omega)
  # Nearly parallel directions: slerp tends to lerp of the unit vectors.
  parallel = sin < 1e-6
  safe_sin = np.where(parallel, 1.0, sin)
  w_start = np.where(parallel, 1 - t, np.sin((1 - t) * omega) / safe_sin)
  w_end = np.where(parallel, t, np.sin(t * omega) / safe_sin)
  direction = w_start * unit_start + w_end * unit_end
  direction /= np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), 1e-12)
  norm = (1 - t) * start_norm + t * end_norm
  return (direction * norm).astype(np.float32)


def class_grid_inputs(classes, samples_per_class, dim_z, num_classes, truncation=1.0,
                      seed=0, convention="hub"):
  """Inputs for a class x sample grid: z [len(classes) * n, dim_z], one-hot y, row-major.

  Row i holds `samples_per_class` samples of class `classes[i]`; the same seed gives the
  same z, so successive grids of a training run show the same noise.
  """
  classes = np.asarray(classes, np.int64)
  if classes.size and (classes.min() < 0 or classes.max() >= num_classes):
    raise ValueError(f"classes must lie in [0, {num_classes}), got {classes.tolist()}")
  z = truncated_noise(classes.size * samples_per_class, dim_z, truncation, seed, convention)
  y = np.eye(num_classes, dtype=np.float32)[np.repeat(classes, samples_per_class)]
  return z, y


def noise_batches(num_samples, dim_z, num_classes, truncation=1.0, batch_size=50, seed=0,
                  convention="hub"):
  """Yields seeded (z [B, dim_z], one-hot y [B, num_classes]) float32 numpy batches covering
  `num_samples`: truncated noise at `truncation` and uniform classes. Batch k is drawn from
  the generator seeded by (seed, k), so a batch does not depend on how many came before it
  or on how a batch is split across replicas."""
  for index, start in enumerate(range(0, num_samples, batch_size)):
    size = min(batch_size, num_samples - start)
    rng = np.random.default_rng([seed, index])
    z = truncated_noise(size, dim_z, truncation, seed=rng, convention=convention)
    y = np.eye(num_classes, dtype=np.float32)[rng.integers(0, num_classes, size)]
    yield z, y


def in_batches(call, z, condition, batch_size):
  """Images of a generator call over rows in batches: np.concatenate of
  call(z[i:i+b], condition[i:i+b]).numpy(), both given as float32 tensors.

  Args:
    call: (z [b, dim_z], condition [b, C]) -> images [b, R, R, 3].
    z: [N, dim_z]; condition: [N, C] (labels, soft labels or class embeddings).
    batch_size: rows per call.
  """
  return np.concatenate([call(tf.constant(z[i:i + batch_size], tf.float32),
                              tf.constant(condition[i:i + batch_size], tf.float32)).numpy()
                         for i in range(0, len(z), batch_size)])


def sample_images(generator, labels, truncation, seed=0, batch_size=250):
  """Images [N, R, R, 3] in [-1, 1] of class ids `labels` [N] at a hub-style truncation.

  When the generator holds a truncation grid, its BN statistics for `truncation` are used.
  """
  config = generator.config
  z = truncated_noise(len(labels), config.dim_z, truncation, seed=seed)
  call = _sampling_function(generator)
  t = tf.constant(truncation, tf.float32)
  y = np.eye(config.num_classes, dtype=np.float32)[np.asarray(labels)]
  return in_batches(lambda z, y: call(z, y, t), z, y, batch_size)


# One traced function per generator, for every truncation and call.
_SAMPLING_FUNCTIONS = weakref.WeakKeyDictionary()


def _sampling_function(generator):
  """(z, y, truncation tensor) -> images: the generator's inference call, traced once."""
  function = _SAMPLING_FUNCTIONS.get(generator)
  if function is None:
    grid = bool(generator.config.truncation_grid)
    function = tf.function(lambda z, y, t: generator(z, y, truncation=t if grid else None))
    _SAMPLING_FUNCTIONS[generator] = function
  return function
