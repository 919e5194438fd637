"""The Fréchet distance between Gaussians fitted to two sets of features (FID's formula).

FID (Heusel et al. 2017; TF-GAN `frechet_classifier_distance_from_activations`):
    ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)),
with the trace of the matrix square root computed from the eigenvalues of
S_1^(1/2) S_2 S_1^(1/2) (symmetric positive semi-definite, so the square root is real and
stable). Covariances are unbiased (N - 1), as in TF-GAN and the reference FID code.
"""

import numpy as np

from tfbiggan.metrics.activations import check_activations


def feature_statistics(features):
  """(mean [D], covariance [D, D]) of features [N, D], float64, unbiased covariance.

  Raises:
    ValueError: not [N, D], N < 2, or NaN / Inf values.
  """
  features = check_activations(features, "features", min_samples=2)
  return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix):
  values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
  return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b):
  """Fréchet distance between N(mean_a, cov_a) and N(mean_b, cov_b), a float."""
  mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
  cov_a, cov_b = np.atleast_2d(cov_a), np.atleast_2d(cov_b)
  if mean_a.shape != mean_b.shape or cov_a.shape != cov_b.shape:
    raise ValueError(f"the two sets have different feature sizes: {mean_a.shape[-1]} and "
                     f"{mean_b.shape[-1]}; use the same classifier layer for both")
  root_a = _sqrt_psd(cov_a)
  cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
  trace_sqrt = np.sum(np.sqrt(np.clip(cross, 0.0, None)))
  return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b)
               - 2.0 * trace_sqrt)


def frechet_distance(acts_a, acts_b):
  """FID of two sets of activations [N_a, D] and [N_b, D] (numpy or tensors), a float.

  Raises:
    ValueError: different feature sizes, NaN / Inf, or N <= D in a set (its covariance
      would be singular: use more samples than features, e.g. 10,000+ for Inception's 2,048).
  """
  acts_a = check_activations(acts_a, "acts_a")
  acts_b = check_activations(acts_b, "acts_b", features=acts_a.shape[1])
  for name, acts in (("acts_a", acts_a), ("acts_b", acts_b)):
    if acts.shape[0] <= acts.shape[1]:
      raise ValueError(f"{name} has {acts.shape[0]} samples for {acts.shape[1]} features: "
                       "its covariance is singular and FID is meaningless; use more samples "
                       "than features")
  return frechet_distance_from_statistics(*feature_statistics(acts_a),
                                          *feature_statistics(acts_b))
