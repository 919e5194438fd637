"""The Fréchet distance between Gaussians fitted to two sets of features (FID's formula).

FID (Heusel et al. 2017): ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)), with the
trace of the matrix square root computed from the eigenvalues of S_1^(1/2) S_2 S_1^(1/2)
(symmetric positive semi-definite, so the square root is real and stable).
"""

import numpy as np


def feature_statistics(features):
  """(mean [D], covariance [D, D]) of features [N, D], float64, unbiased covariance."""
  features = np.asarray(features, np.float64)
  if features.ndim != 2 or features.shape[0] < 2:
    raise ValueError(f"features must be [N >= 2, D], got shape {features.shape}")
  return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix):
  values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
  return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mean_a, cov_a, mean_b, cov_b):
  """Fréchet distance between N(mean_a, cov_a) and N(mean_b, cov_b), a float."""
  mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
  cov_a, cov_b = np.atleast_2d(cov_a), np.atleast_2d(cov_b)
  root_a = _sqrt_psd(cov_a)
  cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
  trace_sqrt = np.sum(np.sqrt(np.clip(cross, 0.0, None)))
  return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
               - 2.0 * trace_sqrt)
