"""tfbiggan: BigGAN and BigGAN-deep in TensorFlow 2 / Keras 3.

Public API:
  get_config(name, **overrides), list_configs(), BigGANConfig
  Generator(config)      -> generator(z, y, training=False, truncation=None) -> [B, R, R, 3]
  Discriminator(config)  -> discriminator(images, y) -> logits [B]
  truncated_noise(...)   -> z samples in the official modules' convention
  interpolate(a, b, n)   -> lerp / slerp paths between latents or class vectors
  load_pretrained(name)  -> the Keras Generator of a module: "biggan-deep-256", a URL, a folder

The names are imported on first use, so that importing a submodule (a command's flags, the
configs) does not load TensorFlow.
"""

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "BigGANConfig": "tfbiggan.configs",
    "get_config": "tfbiggan.configs",
    "list_configs": "tfbiggan.configs",
    "Discriminator": "tfbiggan.models",
    "Generator": "tfbiggan.models",
    "load_pretrained": "tfbiggan.modules.pretrained",
    "interpolate": "tfbiggan.sampling",
    "truncated_noise": "tfbiggan.sampling",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
  if name in _PUBLIC:
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value
  raise AttributeError(f"module 'tfbiggan' has no attribute {name!r}")


def __dir__():
  return sorted(list(globals()) + __all__)
