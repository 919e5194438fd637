"""Presets as code: `get_config(name, **overrides)` and `list_configs()`."""

from tfbiggan.configs import biggan
from tfbiggan.configs import biggan_deep
from tfbiggan.configs import digits
from tfbiggan.configs.config import OFFICIAL_TRUNCATION_GRID
from tfbiggan.configs.config import BigGANConfig

_PRESETS = {**biggan.PRESETS, **biggan_deep.PRESETS, **digits.PRESETS}


def list_configs():
  """Names of all presets, sorted."""
  return sorted(_PRESETS)


def get_config(name, **overrides) -> BigGANConfig:
  """Returns the preset `name` (a `BigGANConfig`), with `overrides` applied.

  Raises:
    ValueError: for an unknown name (the message lists the known ones) or field.
  """
  if isinstance(name, BigGANConfig):
    config = name
  elif name not in _PRESETS:
    raise ValueError(f"unknown config {name!r}; known configs: {', '.join(list_configs())}")
  else:
    config = _PRESETS[name]
  return config.replace(**overrides) if overrides else config


__all__ = ["BigGANConfig", "get_config", "list_configs"]
