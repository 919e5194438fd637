"""FID, IS, KID and precision / recall against independent references (scipy, plain numpy
loops), their invariances and errors; the digits classifier that judges the demo."""

import numpy as np
import pytest
from scipy import linalg
from scipy import special
from scipy import stats
from scipy.spatial import distance

from tfbiggan.metrics import (StreamingMoments, feature_statistics, frechet_distance,
                              frechet_distance_from_statistics, inception_score,
                              kernel_inception_distance, precision_recall)


def _sets(seed=0, n_a=500, n_b=400, dim=16):
  rng = np.random.default_rng(seed)
  a = rng.normal(size=(n_a, dim))
  b = rng.normal(size=(n_b, dim)) @ rng.normal(size=(dim, dim)) * 0.3 + 0.5
  return a, b


def _scipy_frechet(a, b):
  mu1, mu2 = a.mean(0), b.mean(0)
  s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
  root = linalg.sqrtm(s1 @ s2).real
  return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * root))


def test_frechet_distance_matches_scipy_and_is_zero_on_itself():
  a, b = _sets()
  assert frechet_distance(a, b) == pytest.approx(_scipy_frechet(a, b), rel=1e-6)
  assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
  assert frechet_distance_from_statistics(*feature_statistics(a), *feature_statistics(b)) \
      == pytest.approx(frechet_distance(a, b), rel=1e-12)


def test_streaming_moments_equal_one_shot():
  a, _ = _sets()
  a = a + 1000.0  # Far from zero: the shifted sums keep the one-pass formula accurate.
  moments = StreamingMoments()
  for start in range(0, len(a), 37):
    moments.update(a[start:start + 37])
  mean, cov = moments.statistics()
  np.testing.assert_allclose(mean, a.mean(0), rtol=1e-12)
  np.testing.assert_allclose(cov, np.cov(a, rowvar=False), rtol=1e-9, atol=1e-9)


def _numpy_inception_score(logits, splits):
  scores = []
  for part in np.array_split(logits, splits):
    p = special.softmax(part, axis=1)
    marginal = p.mean(0)
    scores.append(np.exp(np.mean([stats.entropy(row, marginal) for row in p])))
  return np.mean(scores), np.std(scores)


def test_inception_score_matches_numpy_reference():
  logits = np.random.default_rng(1).normal(size=(1000, 50)) * 3
  mean, std = inception_score(logits, num_splits=10, return_std=True)
  expected_mean, expected_std = _numpy_inception_score(logits, 10)
  assert mean == pytest.approx(expected_mean, rel=1e-9)
  assert std == pytest.approx(expected_std, rel=1e-6)
  # Bounds: 1 for identical predictions, the class count for confident uniform ones.
  assert inception_score(np.zeros((100, 7)), 1) == pytest.approx(1.0)
  assert inception_score(np.eye(10)[np.arange(100) % 10] * 50.0, 1) == pytest.approx(10.0)


def _loop_kid(a, b):
  dim = a.shape[1]
  k = lambda x, y: (x @ y / dim + 1.0) ** 3
  m, n = len(a), len(b)
  k_aa = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
  k_bb = sum(k(b[i], b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
  k_ab = sum(k(a[i], b[j]) for i in range(m) for j in range(n)) / (m * n)
  return k_aa + k_bb - 2 * k_ab


def test_kernel_inception_distance_matches_loop_reference():
  a, b = _sets(n_a=60, n_b=50, dim=8)
  assert kernel_inception_distance(a, b) == pytest.approx(_loop_kid(a, b), rel=1e-9)
  blocks = [_loop_kid(x, y) for x, y in zip(np.array_split(a, 3), np.array_split(b, 3))]
  mean, std = kernel_inception_distance(a, b, max_block_size=20, return_std=True)
  assert mean == pytest.approx(np.mean(blocks), rel=1e-9)
  assert std == pytest.approx(np.std(blocks, ddof=1) / np.sqrt(3), rel=1e-9)
  # Unbiased: near 0 for two samples of one distribution, far from it for different ones.
  same, other = _sets(seed=3, n_a=1000, n_b=500, dim=8)
  assert abs(kernel_inception_distance(same[:500], same[500:])) < \
      0.05 * kernel_inception_distance(same[:500], other)


def _brute_precision_recall(real, fake, k):
  def radii(x):
    return np.sort(distance.cdist(x, x), axis=1)[:, k]
  r_real, r_fake = radii(real), radii(fake)
  precision = np.mean([np.any(distance.cdist([f], real)[0] <= r_real) for f in fake])
  recall = np.mean([np.any(distance.cdist([r], fake)[0] <= r_fake) for r in real])
  return precision, recall


def test_precision_recall_matches_brute_force():
  a, b = _sets(n_a=120, n_b=90, dim=6)
  ours = precision_recall(a, b, k=3, block=17)
  expected = _brute_precision_recall(a, b, 3)
  assert ours == pytest.approx(expected, abs=1e-12)
  assert 0.0 <= ours[0] <= 1.0 and 0.0 <= ours[1] <= 1.0
  assert precision_recall(a, a) == (1.0, 1.0)


def test_metrics_do_not_depend_on_sample_order():
  a, b = _sets()
  rng = np.random.default_rng(5)
  pa, pb = a[rng.permutation(len(a))], b[rng.permutation(len(b))]
  assert frechet_distance(pa, pb) == pytest.approx(frechet_distance(a, b), rel=1e-9)
  assert kernel_inception_distance(pa, pb) == pytest.approx(kernel_inception_distance(a, b),
                                                           rel=1e-9)
  assert precision_recall(pa, pb) == precision_recall(a, b)
  logits = np.random.default_rng(2).normal(size=(300, 10))
  assert inception_score(logits[::-1], 1) == pytest.approx(inception_score(logits, 1), rel=1e-9)


@pytest.mark.parametrize("call, message", [
    (lambda a, b: frechet_distance(a, b[:, :8]), "has 8 features but the other set has 16"),
    (lambda a, b: frechet_distance(a[:10], b), "10 samples for 16 features: its covariance "
                                               "is singular"),
    (lambda a, b: frechet_distance(np.where(np.eye(500, 16) > 0, np.nan, a), b),
     "acts_a holds NaN or Inf in 16 of 500 samples"),
    (lambda a, b: kernel_inception_distance(a, b[:, :3]), "has 3 features"),
    (lambda a, b: precision_recall(a, np.full_like(b, np.inf)), "generated holds NaN or Inf"),
    (lambda a, b: inception_score(a[:5], 10), "logits must have at least 10 samples"),
    (lambda a, b: frechet_distance(a[0], b), "acts_a must be [samples, features]"),
])
def test_bad_activations_raise_clear_errors(call, message):
  a, b = _sets()
  with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
    call(a, b)


def test_digits_classifier_recognises_held_out_digits():
  from tfbiggan.data.digits import load_digits_array  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.classifier import KerasClassifier, activations  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.digits_classifier import train_digits_classifier  # pylint: disable=import-outside-toplevel
  model = train_digits_classifier(*load_digits_array("train"), epochs=8)
  test_x, test_y = load_digits_array("test")
  logits, features = activations(test_x, KerasClassifier(model, "features"))
  assert np.mean(logits.argmax(-1) == test_y) >= 0.95
  assert features.shape == (360, 128)
