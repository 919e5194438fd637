import numpy as np
import pytest
import scipy.stats

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
