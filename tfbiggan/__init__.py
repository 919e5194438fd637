"""tfbiggan: BigGAN and BigGAN-deep in TensorFlow 2 / Keras 3.

Public API:
  get_config(name, **overrides), list_configs(), BigGANConfig
  Generator(config)      -> generator(z, y, training=False, truncation=None) -> [B, R, R, 3]
  Discriminator(config)  -> discriminator(images, y) -> logits [B]
  truncated_noise(...)   -> z samples in the official modules' convention
  interpolate(a, b, n)   -> lerp / slerp paths between latents or class vectors
  load_pretrained(path)  -> the Keras Generator of an exported, converted or official module
"""

from tfbiggan.configs import BigGANConfig
from tfbiggan.configs import get_config
from tfbiggan.configs import list_configs
from tfbiggan.models import Discriminator
from tfbiggan.models import Generator
from tfbiggan.pretrained import load_pretrained
from tfbiggan.sampling import interpolate
from tfbiggan.sampling import truncated_noise

__version__ = "0.1.0"

__all__ = ["BigGANConfig", "Discriminator", "Generator", "get_config", "interpolate",
           "list_configs", "load_pretrained", "truncated_noise"]
