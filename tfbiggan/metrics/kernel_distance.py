"""Kernel Inception Distance (Bińkowski et al. 2018), TF-GAN's estimator.

TF-GAN `kernel_classifier_distance_and_std_from_activations`: the unbiased estimate of the
squared MMD with the cubic polynomial kernel k(x, y) = (x.y / D + 1)^3,
    MMD^2 = sum_{i != j} k(a_i, a_j) / (m (m - 1)) + sum_{i != j} k(b_i, b_j) / (n (n - 1))
            - 2 sum_{i, j} k(a_i, b_j) / (m n),
computed on blocks of at most `max_block_size` samples of each set (the sets split into the
same number of blocks) and averaged; the spread of the block estimates gives the std.
"""

import math

import numpy as np

from tfbiggan.metrics.activations import check_activations


def _mmd2(a, b):
  dim = a.shape[1]
  k_aa = (a @ a.T / dim + 1.0) ** 3
  k_bb = (b @ b.T / dim + 1.0) ** 3
  k_ab = (a @ b.T / dim + 1.0) ** 3
  m, n = a.shape[0], b.shape[0]
  return ((k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
          + (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1)) - 2.0 * k_ab.mean())


def kernel_inception_distance(acts_a, acts_b, max_block_size=1024, return_std=False):
  """KID of activations [N_a, D] and [N_b, D]: a float, or (mean, std) with return_std.

  Raises:
    ValueError: different feature sizes, NaN / Inf, or fewer than 2 samples per block.
  """
  acts_a = check_activations(acts_a, "acts_a", min_samples=2)
  acts_b = check_activations(acts_b, "acts_b", features=acts_a.shape[1], min_samples=2)
  blocks = max(1, math.ceil(max(len(acts_a), len(acts_b)) / max_block_size))
  if min(len(acts_a), len(acts_b)) < 2 * blocks:
    blocks = max(1, min(len(acts_a), len(acts_b)) // 2)
  estimates = [_mmd2(a, b) for a, b in zip(np.array_split(acts_a, blocks),
                                           np.array_split(acts_b, blocks))]
  mean = float(np.mean(estimates))
  if not return_std:
    return mean
  # As TF-GAN: the unbiased variance of the block estimates over the number of blocks.
  std = float(np.std(estimates, ddof=1) / math.sqrt(blocks)) if blocks > 1 else 0.0
  return mean, std
