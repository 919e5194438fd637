"""Fréchet distance against scipy, and the digits classifier that judges the demo."""

import numpy as np
import pytest
from scipy import linalg

from tfbiggan.metrics import feature_statistics, frechet_distance


def _scipy_frechet(mu1, s1, mu2, s2):
  root = linalg.sqrtm(s1 @ s2).real
  return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * root))


def test_frechet_distance_matches_scipy():
  rng = np.random.default_rng(0)
  a = rng.normal(size=(500, 16))
  b = rng.normal(size=(400, 16)) @ rng.normal(size=(16, 16)) * 0.3 + 0.5
  stats_a, stats_b = feature_statistics(a), feature_statistics(b)
  ours = frechet_distance(*stats_a, *stats_b)
  assert ours == pytest.approx(_scipy_frechet(*stats_a, *stats_b), rel=1e-6)
  assert frechet_distance(*stats_a, *stats_a) == pytest.approx(0.0, abs=1e-8)


def test_feature_statistics_needs_two_rows():
  with pytest.raises(ValueError, match="N >= 2"):
    feature_statistics(np.zeros([1, 4]))


def test_digits_classifier_recognises_held_out_digits():
  from tfbiggan.data.digits import load_digits_array  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.digits_classifier import classify, train_digits_classifier  # pylint: disable=import-outside-toplevel
  model = train_digits_classifier(*load_digits_array("train"), epochs=8)
  test_x, test_y = load_digits_array("test")
  predicted, features = classify(model, test_x)
  assert np.mean(predicted == test_y) >= 0.95
  assert features.shape == (360, 128)
