"""Latent sampling: truncated noise in the official modules' and the paper's conventions.

The "truncation trick" (paper §4.1) samples z from a truncated normal. Two conventions exist
(spec §1.2, tensorflow/hub#214):
  * "hub" (the official TF-Hub modules and their Colab): z = t * truncnorm(-2, 2), i.e.
    values are drawn in [-2, 2] and then scaled by the truncation t in [0, 1];
  * "paper": values of N(0, 1) whose magnitude exceeds the threshold t are resampled, so
    z lies in [-t, t] (t > 0).
"""

import numpy as np

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
