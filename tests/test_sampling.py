import numpy as np
import pytest
import scipy.stats

from tfbiggan.sampling import interpolate
from tfbiggan.sampling import truncated_noise


def test_hub_convention_is_scaled_truncnorm_on_minus2_2():
  z = truncated_noise(2000, 64, truncation=0.4, seed=0)
  assert z.shape == (2000, 64) and z.dtype == np.float32
  assert np.max(np.abs(z)) <= 0.8
  # Independent reference: scipy's truncnorm(-2, 2), scaled.
  assert scipy.stats.kstest(z.ravel()[:20000] / 0.4, scipy.stats.truncnorm(-2, 2).cdf).pvalue > 1e-3


def test_paper_convention_resamples_outside_the_threshold():
  z = truncated_noise(1000, 32, truncation=0.5, seed=1, convention="paper")
  assert np.max(np.abs(z)) <= 0.5
  assert scipy.stats.kstest(z.ravel(), scipy.stats.truncnorm(-0.5, 0.5).cdf).pvalue > 1e-3


def test_seeded_and_zero_truncation():
  np.testing.assert_array_equal(truncated_noise(4, 8, 0.7, seed=3),
                                truncated_noise(4, 8, 0.7, seed=3))
  assert not np.array_equal(truncated_noise(4, 8, 0.7, seed=3), truncated_noise(4, 8, 0.7, seed=4))
  assert np.all(truncated_noise(4, 8, 0.0, seed=3) == 0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(truncation=1.5), r"truncation must be in \[0, 1\]"),
    (dict(truncation=0.0, convention="paper"), "> 0"),
    (dict(convention="stylegan"), "convention"),
])
def test_invalid_arguments(kwargs, message):
  with pytest.raises(ValueError, match=message):
    truncated_noise(2, 4, **kwargs)


def test_lerp_endpoints_and_midpoint():
  a, b = np.array([[0.0, 2.0]]), np.array([[4.0, 0.0]])
  path = interpolate(a, b, 5)
  assert path.shape == (5, 1, 2) and path.dtype == np.float32
  np.testing.assert_allclose(path[0], a)
  np.testing.assert_allclose(path[-1], b)
  np.testing.assert_allclose(path[2], [[2.0, 1.0]])


def test_slerp_follows_the_great_circle_with_linear_norm():
  a, b = np.array([1.0, 0.0]), np.array([0.0, 3.0])
  path = interpolate(a, b, 3, method="slerp")
  np.testing.assert_allclose(path[0], a, atol=1e-6)
  np.testing.assert_allclose(path[-1], b, atol=1e-6)
  # Halfway: 45 degrees, norm halfway between 1 and 3.
  np.testing.assert_allclose(path[1], 2.0 * np.array([1.0, 1.0]) / np.sqrt(2.0), atol=1e-6)
  z = truncated_noise(2, 128, 1.0, seed=0)
  norms = np.linalg.norm(interpolate(z[0], z[1], 9, method="slerp"), axis=-1)
  np.testing.assert_allclose(norms, np.linspace(*np.linalg.norm(z, axis=-1), 9), rtol=1e-5)
  # Parallel directions do not divide by zero.
  assert np.all(np.isfinite(interpolate(a, 2 * a, 4, method="slerp")))


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_steps=1), "num_steps"), (dict(method="cubic"), "method"),
    (dict(end=np.zeros(3)), "same shape")])
def test_interpolation_errors(kwargs, message):
  args = dict(start=np.zeros(2), end=np.ones(2), num_steps=3)
  args.update(kwargs)
  with pytest.raises(ValueError, match=message):
    interpolate(**args)
