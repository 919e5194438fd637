"""`DiscriminatorBlock`: BigGAN's residual down-block (paper Fig. 15(c), App. B)."""

import keras
import tensorflow as tf

from tfbiggan.layers.residual_block import DownsamplingBlock
from tfbiggan.layers.residual_block import with_channels


@keras.saving.register_keras_serializable(package="tfbiggan")
class DiscriminatorBlock(DownsamplingBlock):
  """[ReLU]-conv3x3-ReLU-conv3x3-[avgpool] plus a [avgpool]-[1x1 conv] shortcut.

  The first block of D gets no pre-activation (BP `preactivation=(index > 0)`: a ReLU on
  the image would discard its negative half; CG applies one). The shortcut has a 1x1 conv
  only when the width changes (CG `add_shortcut=in != out`, which gives CG's parameter
  counts) and is the identity otherwise; it is pooled before the 1x1 conv, which equals
  BP's conv-then-pool exactly (both are linear).

  Args:
    out_channels: output channels.
    downsample: 2x2 average pooling (all BigGAN D blocks but the last).
    preactivation: ReLU on the block input.
    **kwargs: `ResidualBlock` arguments.

  Call args:
    inputs: [B, H, W, in]; training: updates the SN vectors.

  Returns: [B, H/2, W/2, out] (or [B, H, W, out]).

  Example:
  >>> DiscriminatorBlock(8)(tf.ones([2, 8, 8, 3])).shape
  TensorShape([2, 4, 4, 8])
  """

  def __init__(self, out_channels, downsample=True, preactivation=True, **kwargs):
    super().__init__(out_channels, downsample=downsample, **kwargs)
    self.preactivation = preactivation

  def build(self, inputs_shape):
    out = self.out_channels
    self.conv0 = self._conv(out, 3, "conv0", inputs_shape)
    self.conv1 = self._conv(out, 3, "conv1", with_channels(inputs_shape, out))
    self.conv_sc = None
    if inputs_shape[-1] != out:
      scale = 0.5 if self.downsample else 1
      self.conv_sc = self._conv(out, 1, "conv_sc",
                                with_channels(inputs_shape, inputs_shape[-1], scale))

  def call(self, inputs, training=False):
    h = tf.nn.relu(inputs) if self.preactivation else inputs
    h = self.conv0(h, training=training)
    h = self.conv1(tf.nn.relu(h), training=training)
    shortcut = tf.cast(inputs, h.dtype)
    h, shortcut = self._resample(h), self._resample(shortcut)
    if self.conv_sc is not None:
      shortcut = self.conv_sc(shortcut, training=training)
    return h + shortcut

  def get_config(self):
    config = super().get_config()
    config.update(preactivation=self.preactivation)
    return config
