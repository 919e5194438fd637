"""`DeepGeneratorBlock`: BigGAN-deep's bottleneck residual block (paper Fig. 16(b))."""

import keras
import tensorflow as tf

from tfbiggan.layers.residual_block import UpsamplingBlock
from tfbiggan.layers.residual_block import with_channels


@keras.saving.register_keras_serializable(package="tfbiggan")
class DeepGeneratorBlock(UpsamplingBlock):
  """Four BN-ReLU-conv stages (1x1 down to in/4, 3x3, 3x3, 1x1 up to out), identity skip.

  The nearest upsampling (when `upsample`) sits between the second BN-ReLU and the first
  3x3 conv; the skip keeps the first `out` channels of the input and upsamples them
  (spec §2.2; official names HyperBN..HyperBN_3 for BatchNorm..BatchNorm_3, conv0..conv3).

  Args:
    out_channels: output channels (<= input channels).
    upsample: nearest 2x upsampling (odd-indexed blocks of BigGAN-deep).
    **kwargs: `ResidualBlock` arguments.

  Call args: as `GeneratorBlock`.

  Returns: [B, 2H, 2W, out] (or [B, H, W, out]).

  Example:
  >>> DeepGeneratorBlock(8, upsample=True)(tf.ones([2, 4, 4, 16]), tf.ones([2, 6])).shape
  TensorShape([2, 8, 8, 8])
  """

  def __init__(self, out_channels, upsample=False, **kwargs):
    super().__init__(out_channels, upsample=upsample, **kwargs)

  def build(self, inputs_shape, condition_shape):
    channels = inputs_shape[-1]
    if channels < self.out_channels:
      raise ValueError(f"{self.name}: the identity skip drops channels; out_channels "
                       f"({self.out_channels}) must not exceed the input's ({channels})")
    hidden, scale = channels // 4, 2 if self.upsample else 1
    small = with_channels(inputs_shape, hidden)
    large = with_channels(inputs_shape, hidden, scale)
    self.bn0 = self._batch_norm("HyperBN", inputs_shape, condition_shape)
    self.conv0 = self._conv(hidden, 1, "conv0", inputs_shape)
    self.bn1 = self._batch_norm("HyperBN_1", small, condition_shape)
    self.conv1 = self._conv(hidden, 3, "conv1", small, upsample=self.upsample)
    self.bn2 = self._batch_norm("HyperBN_2", large, condition_shape)
    self.conv2 = self._conv(hidden, 3, "conv2", large)
    self.bn3 = self._batch_norm("HyperBN_3", large, condition_shape)
    self.conv3 = self._conv(self.out_channels, 1, "conv3", large)

  @property
  def batch_norms(self):
    return [self.bn0, self.bn1, self.bn2, self.bn3]

  def call(self, inputs, condition, training=False, accumulate=False, truncation=None):
    bn = dict(training=training, accumulate=accumulate, truncation=truncation)
    h = self.conv0(tf.nn.relu(self.bn0(inputs, condition, **bn)), training=training)
    h = self.conv1(tf.nn.relu(self.bn1(h, condition, **bn)), training=training)  # Upsamples.
    h = self.conv2(tf.nn.relu(self.bn2(h, condition, **bn)), training=training)
    h = self.conv3(tf.nn.relu(self.bn3(h, condition, **bn)), training=training)
    return self._add_shortcut(h, tf.cast(inputs[..., :self.out_channels], h.dtype))
