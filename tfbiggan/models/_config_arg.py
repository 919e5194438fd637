"""Accepts a model's `config` argument in any of the forms users pass it."""

from tfbiggan.configs import BigGANConfig
from tfbiggan.configs import get_config


def resolve_config(config):
  """A `BigGANConfig` from a preset name, a `BigGANConfig` or its `to_dict()` form."""
  if isinstance(config, dict):
    return BigGANConfig.from_dict(config)
  return get_config(config)
