"""Improved precision and recall (Kynkäänniemi et al. 2019) of two sets of features.

Each set's manifold is the union of balls around its samples, each ball's radius the
distance to the sample's k-th nearest neighbour in its own set (k = 3 in the paper).
    precision = share of generated samples inside the real manifold (fidelity)
    recall    = share of real samples inside the generated manifold (variety)
Distances are computed in row blocks, so memory stays O(block N).
"""

import numpy as np

from tfbiggan.metrics.activations import check_activations


def _squared_distances(a, b):
  return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)


def _knn_radii(features, k, block):
  """Squared distance of each row to its k-th nearest other row."""
  radii = np.empty(len(features))
  for start in range(0, len(features), block):
    d = _squared_distances(features[start:start + block], features)
    # Column k of the sorted row: column 0 is the row itself (distance 0).
    radii[start:start + block] = np.partition(d, k, axis=1)[:, k]
  return radii


def _coverage(queries, manifold, radii, block):
  inside = np.empty(len(queries), bool)
  for start in range(0, len(queries), block):
    d = _squared_distances(queries[start:start + block], manifold)
    inside[start:start + block] = np.any(d <= radii[None, :], axis=1)
  return float(inside.mean())


def precision_recall(real, generated, k=3, block=1000):
  """(precision, recall) of features real [N_r, D] and generated [N_g, D], floats in [0, 1].

  Raises:
    ValueError: different feature sizes, NaN / Inf, or a set with k samples or fewer.
  """
  real = check_activations(real, "real", min_samples=k + 1)
  generated = check_activations(generated, "generated", features=real.shape[1],
                                min_samples=k + 1)
  real_radii = _knn_radii(real, k, block)
  generated_radii = _knn_radii(generated, k, block)
  return (_coverage(generated, real, real_radii, block),
          _coverage(real, generated, generated_radii, block))
