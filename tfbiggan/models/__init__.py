"""BigGAN's networks: `Generator` and `Discriminator`."""

from tfbiggan.models.discriminator import Discriminator
from tfbiggan.models.generator import Generator

__all__ = ["Discriminator", "Generator"]
