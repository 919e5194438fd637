"""Activations: checks, and streaming moments so that FID needs O(D^2) memory, not O(N D)."""

import numpy as np


def check_activations(values, name, features=None, min_samples=1):
  """`values` as float64 [N, D]; raises ValueError naming `name` for a wrong rank, a feature
  size other than `features`, fewer than `min_samples` rows, or NaN / Inf."""
  values = np.asarray(values, np.float64)
  if values.ndim != 2:
    raise ValueError(f"{name} must be [samples, features], got shape {values.shape}")
  if features is not None and values.shape[1] != features:
    raise ValueError(f"{name} has {values.shape[1]} features but the other set has "
                     f"{features}; use the same classifier layer for both")
  if values.shape[0] < min_samples:
    raise ValueError(f"{name} must have at least {min_samples} samples, got "
                     f"{values.shape[0]} (shape {values.shape}; N >= {min_samples})")
  if not np.all(np.isfinite(values)):
    bad = int(np.sum(~np.all(np.isfinite(values), axis=1)))
    raise ValueError(f"{name} holds NaN or Inf in {bad} of {values.shape[0]} samples")
  return values


class StreamingMoments:
  """Mean and unbiased covariance of activations added batch by batch (float64).

  Sums are kept around a shift (the first batch's mean), which keeps the one-pass formula
  accurate when activations are far from zero. `update` takes [B, D].
  """

  def __init__(self):
    self.count = 0
    self._shift = self._sum = self._outer = None

  def update(self, batch):
    batch = check_activations(batch, "batch", None if self._sum is None else self._sum.size)
    if self._shift is None:
      self._shift = batch.mean(axis=0)
      self._sum = np.zeros_like(self._shift)
      self._outer = np.zeros((self._shift.size, self._shift.size))
    centred = batch - self._shift
    self._sum += centred.sum(axis=0)
    self._outer += centred.T @ centred
    self.count += batch.shape[0]
    return self

  def statistics(self):
    """(mean [D], covariance [D, D])."""
    if self.count < 2:
      raise ValueError(f"need at least 2 samples, got {self.count}")
    mean_centred = self._sum / self.count
    cov = (self._outer - self.count * np.outer(mean_centred, mean_centred)) / (self.count - 1)
    return self._shift + mean_centred, cov
