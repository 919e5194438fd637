"""`ResidualBlock` and its up/down-sampling variants: the bases of BigGAN's four blocks.

It holds the arguments every block shares (the numerics of spectral norm and batch norm)
and makes the SN convs and conditional BNs with them, so each block file only says how its
layers are wired.
"""

import keras

from tfbiggan.layers.conditional_batch_norm import ConditionalBatchNorm
from tfbiggan.layers.resampling import add_upsampled
from tfbiggan.layers.resampling import avg_pool_2x
from tfbiggan.layers.sn_conv2d import SNConv2D


class ResidualBlock(keras.layers.Layer):
  """Base class: shared numerics of the blocks' SN convs and BNs.

  Args:
    out_channels: output channels of the block.
    num_singular_vectors: SN vectors per weight.
    sn_epsilon: SN power-iteration epsilon.
    bn_epsilon, bn_momentum, cross_replica, truncation_grid: `ConditionalBatchNorm` args
      (used by generator blocks only).
    kernel_initializer: initialiser name for every kernel.
    **kwargs: `keras.layers.Layer` arguments.
  """

  def __init__(self, out_channels, num_singular_vectors=1, sn_epsilon=1e-4, bn_epsilon=1e-4,
               bn_momentum=0.9, cross_replica=True, truncation_grid=(),
               kernel_initializer="orthogonal", **kwargs):
    super().__init__(**kwargs)
    self.out_channels = out_channels
    self.num_singular_vectors = num_singular_vectors
    self.sn_epsilon = sn_epsilon
    self.bn_epsilon = bn_epsilon
    self.bn_momentum = bn_momentum
    self.cross_replica = cross_replica
    self.truncation_grid = tuple(truncation_grid)
    self.kernel_initializer = kernel_initializer

  def _conv(self, filters, kernel_size, name, input_shape, upsample=False):
    """A built SN conv (`input_shape` is its input's NHWC shape; `upsample`: the conv
    upsamples it first, `SNConv2D`)."""
    conv = SNConv2D(filters, kernel_size, upsample=upsample, name=name,
                    num_singular_vectors=self.num_singular_vectors, epsilon=self.sn_epsilon,
                    kernel_initializer=self.kernel_initializer, dtype=self.dtype_policy)
    conv.build(input_shape)
    return conv

  def _batch_norm(self, name, input_shape, condition_shape):
    """A built class-conditional BN over `input_shape` conditioned on `condition_shape`."""
    bn = ConditionalBatchNorm(
        conditional=True, epsilon=self.bn_epsilon, momentum=self.bn_momentum,
        cross_replica=self.cross_replica, truncation_grid=self.truncation_grid,
        num_singular_vectors=self.num_singular_vectors, sn_epsilon=self.sn_epsilon,
        kernel_initializer=self.kernel_initializer, name=name, dtype=self.dtype_policy)
    bn.build(input_shape, condition_shape)
    return bn

  def get_config(self):
    config = super().get_config()
    config.update(out_channels=self.out_channels,
                  num_singular_vectors=self.num_singular_vectors, sn_epsilon=self.sn_epsilon,
                  bn_epsilon=self.bn_epsilon, bn_momentum=self.bn_momentum,
                  cross_replica=self.cross_replica, truncation_grid=list(self.truncation_grid),
                  kernel_initializer=self.kernel_initializer)
    return config


class UpsamplingBlock(ResidualBlock):
  """Base of the generator blocks: an optional nearest 2x upsampling (inside the first
  conv, `SNConv2D(upsample=True)`, and in the shortcut's sum), conditioned calls."""

  def __init__(self, out_channels, upsample, **kwargs):
    super().__init__(out_channels, **kwargs)
    self.upsample = upsample

  def _add_shortcut(self, h, shortcut):
    """h + the shortcut, upsampled when the block upsamples (never materialised)."""
    return add_upsampled(h, shortcut) if self.upsample else h + shortcut

  def compute_output_shape(self, inputs_shape, condition_shape):
    return with_channels(inputs_shape, self.out_channels, 2 if self.upsample else 1)

  def get_config(self):
    config = super().get_config()
    config.update(upsample=self.upsample)
    return config


class DownsamplingBlock(ResidualBlock):
  """Base of the discriminator blocks: an optional 2x2 average pooling."""

  def __init__(self, out_channels, downsample, **kwargs):
    super().__init__(out_channels, **kwargs)
    self.downsample = downsample

  def _resample(self, x):
    return avg_pool_2x(x) if self.downsample else x

  def compute_output_shape(self, inputs_shape):
    return with_channels(inputs_shape, self.out_channels, 0.5 if self.downsample else 1)

  def get_config(self):
    config = super().get_config()
    config.update(downsample=self.downsample)
    return config


def with_channels(shape, channels, scale=1):
  """NHWC `shape` with its last axis replaced by `channels` and H, W multiplied by `scale`."""
  batch, height, width = shape[0], shape[1], shape[2]
  if height is not None:
    height, width = int(height * scale), int(width * scale)
  return (batch, height, width, channels)
