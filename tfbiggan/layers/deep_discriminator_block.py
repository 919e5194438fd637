"""`DeepDiscriminatorBlock`: BigGAN-deep's bottleneck down-block (paper Fig. 16(c))."""

import keras
import tensorflow as tf

from tfbiggan.layers.residual_block import DownsamplingBlock
from tfbiggan.layers.residual_block import with_channels


@keras.saving.register_keras_serializable(package="tfbiggan")
class DeepDiscriminatorBlock(DownsamplingBlock):
  """ReLU-1x1, ReLU-3x3, ReLU-3x3, ReLU-[avgpool]-1x1 with a concatenating skip.

  The bottleneck width is max(in, out) / 4 (CG `resnet_biggan_deep.py` L146). The skip is
  the [pooled] input, concatenated with a 1x1 SN conv of it to the missing out - in
  channels when the block widens (CG `_shortcut`, "add_channels"; named conv_sc here).

  Args:
    out_channels: output channels (>= input channels).
    downsample: 2x2 average pooling (even-indexed blocks of BigGAN-deep's D).
    **kwargs: `ResidualBlock` arguments.

  Call args:
    inputs: [B, H, W, in]; training: updates the SN vectors.

  Returns: [B, H/2, W/2, out] (or [B, H, W, out]).

  Example:
  >>> DeepDiscriminatorBlock(16)(tf.ones([2, 8, 8, 8])).shape
  TensorShape([2, 4, 4, 16])
  """

  def __init__(self, out_channels, downsample=True, **kwargs):
    super().__init__(out_channels, downsample=downsample, **kwargs)

  def build(self, inputs_shape):
    channels = inputs_shape[-1]
    if channels > self.out_channels:
      raise ValueError(f"{self.name}: the skip concatenates channels; out_channels "
                       f"({self.out_channels}) must be >= the input's ({channels})")
    hidden = max(channels, self.out_channels) // 4
    scale = 0.5 if self.downsample else 1
    self.conv0 = self._conv(hidden, 1, "conv0", inputs_shape)
    self.conv1 = self._conv(hidden, 3, "conv1", with_channels(inputs_shape, hidden))
    self.conv2 = self._conv(hidden, 3, "conv2", with_channels(inputs_shape, hidden))
    self.conv3 = self._conv(self.out_channels, 1, "conv3",
                            with_channels(inputs_shape, hidden, scale))
    self.conv_sc = None
    if self.out_channels > channels:
      self.conv_sc = self._conv(self.out_channels - channels, 1, "conv_sc",
                                with_channels(inputs_shape, channels, scale))

  def call(self, inputs, training=False):
    h = self.conv0(tf.nn.relu(inputs), training=training)
    h = self.conv1(tf.nn.relu(h), training=training)
    h = self.conv2(tf.nn.relu(h), training=training)
    h = tf.nn.relu(h)
    shortcut = tf.cast(inputs, h.dtype)
    h, shortcut = self._resample(h), self._resample(shortcut)
    h = self.conv3(h, training=training)
    if self.conv_sc is not None:
      shortcut = tf.concat([shortcut, self.conv_sc(shortcut, training=training)], axis=-1)
    return h + shortcut
