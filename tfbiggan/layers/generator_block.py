"""`GeneratorBlock`: BigGAN's residual up-block (paper Fig. 15(b), App. B)."""

import keras
import tensorflow as tf

from tfbiggan.layers.residual_block import UpsamplingBlock
from tfbiggan.layers.residual_block import with_channels


@keras.saving.register_keras_serializable(package="tfbiggan")
class GeneratorBlock(UpsamplingBlock):
  """BN-ReLU-up-conv3x3-BN-ReLU-conv3x3 plus an up + 1x1-conv shortcut.

  Layer names follow the official modules: HyperBN, conv0, HyperBN_1, conv1, conv_sc.
  The shortcut's 1x1 conv runs before the nearest upsampling: both are per-pixel linear
  maps, so this equals up-then-conv exactly at a quarter of the cost.

  Args:
    out_channels: output channels.
    upsample: nearest 2x upsampling (True in every BigGAN G block).
    **kwargs: `ResidualBlock` arguments.

  Call args:
    inputs: [B, H, W, in]; condition: [B, D] (z chunk and class embedding);
    training, accumulate, truncation: as in `ConditionalBatchNorm`.

  Returns: [B, 2H, 2W, out] (or [B, H, W, out] without upsampling).

  Example:
  >>> GeneratorBlock(8)(tf.ones([2, 4, 4, 16]), tf.ones([2, 6])).shape
  TensorShape([2, 8, 8, 8])
  """

  def __init__(self, out_channels, upsample=True, **kwargs):
    super().__init__(out_channels, upsample=upsample, **kwargs)

  def build(self, inputs_shape, condition_shape):
    out, scale = self.out_channels, 2 if self.upsample else 1
    self.bn0 = self._batch_norm("HyperBN", inputs_shape, condition_shape)
    self.conv0 = self._conv(out, 3, "conv0", inputs_shape, upsample=self.upsample)
    hidden_shape = with_channels(inputs_shape, out, scale)
    self.bn1 = self._batch_norm("HyperBN_1", hidden_shape, condition_shape)
    self.conv1 = self._conv(out, 3, "conv1", hidden_shape)
    self.conv_sc = self._conv(out, 1, "conv_sc", inputs_shape)

  @property
  def batch_norms(self):
    return [self.bn0, self.bn1]

  def call(self, inputs, condition, training=False, accumulate=False, truncation=None):
    bn = dict(training=training, accumulate=accumulate, truncation=truncation)
    h = self.conv0(tf.nn.relu(self.bn0(inputs, condition, **bn)), training=training)  # Upsamples.
    h = self.conv1(tf.nn.relu(self.bn1(h, condition, **bn)), training=training)
    return self._add_shortcut(h, self.conv_sc(inputs, training=training))
