"""`SNConv2D`: a stride-1, SAME-padded NHWC convolution with a spectrally normalised kernel."""

import keras
import tensorflow as tf

from tfbiggan.layers.resampling import upsample_nearest_2x
from tfbiggan.layers.resampling import upsampling_conv2d
from tfbiggan.layers.resampling import upsampling_conv_kernel
from tfbiggan.layers.spectral_norm import SpectralNormalizedLayer


@keras.saving.register_keras_serializable(package="tfbiggan")
class SNConv2D(SpectralNormalizedLayer):
  """conv2d(x, w / sigma(w)) + b with w [k, k, in, filters] (TF layout, no transposes).

  sigma is that of w reshaped to [k*k*in, filters], as in the official modules.

  Args:
    filters: output channels.
    kernel_size: square kernel side (BigGAN uses 1 and 3).
    use_bias: add a bias `b` [filters] (the self-attention convs have none).
    upsample: the conv of the input's nearest 2x upsampling (G's blocks). Computed at the
      input's resolution: a 1x1 conv before upsampling, a 3x3 conv as four 2x2 convs
      (`resampling.upsampling_conv2d`, 16 multiply-adds for 36); the same weights and, to
      float rounding, the same result.
    **kwargs: `SpectralNormalizedLayer` and `keras.layers.Layer` arguments.

  Call args:
    inputs: [B, H, W, in].
    training: updates the spectral-norm vectors when True.
    channels: compute only the first `channels` outputs (G's last conv, whose official
      kernel has 128 outputs of which the image keeps 3); sigma is still the whole kernel's.
      Not with `upsample`.

  Returns: [B, H, W, filters] (or `channels`) in the compute dtype; [B, 2H, 2W, ...] with
  `upsample`.

  Example:
  >>> SNConv2D(8, 3)(tf.ones([2, 4, 4, 3])).shape
  TensorShape([2, 4, 4, 8])
  >>> SNConv2D(8, 3, upsample=True)(tf.ones([2, 4, 4, 3])).shape
  TensorShape([2, 8, 8, 8])
  """

  def __init__(self, filters, kernel_size=3, use_bias=True, upsample=False, **kwargs):
    super().__init__(**kwargs)
    if upsample and kernel_size not in (1, 3):
      raise ValueError(f"an upsampling SNConv2D takes kernel_size 1 or 3, got {kernel_size}")
    self.filters = filters
    self.kernel_size = kernel_size
    self.use_bias = use_bias
    self.upsample = upsample

  def build(self, input_shape):
    self._add_kernel((self.kernel_size, self.kernel_size, input_shape[-1], self.filters))
    if self.use_bias:
      self.b = self.add_weight(name="b", shape=(self.filters,), initializer="zeros",
                               autocast=False)

  def _call_form(self, kernel):
    return (upsampling_conv_kernel(kernel) if self.upsample and self.kernel_size == 3
            else kernel)

  def call(self, inputs, training=False, channels=None):
    inputs = tf.cast(inputs, self.compute_dtype)
    kernel = self._kernel(training)
    folded = self.upsample and self.kernel_size == 3
    if channels is not None and self.upsample:
      raise ValueError(f"{self.name}: `channels` is for convs without upsampling")
    if channels is not None and channels >= self.filters:
      channels = None  # All outputs: no slice to copy.
    if channels is not None:
      kernel = kernel[..., :channels]
    if folded:
      outputs = upsampling_conv2d(inputs, kernel)
    else:
      outputs = tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME")
    if self.use_bias:
      bias = self.b.value if channels is None else self.b.value[:channels]
      outputs = outputs + tf.cast(bias, self.compute_dtype)
    if self.upsample and not folded:  # A 1x1 conv commutes with nearest upsampling.
      outputs = upsample_nearest_2x(outputs)
    return outputs

  def compute_output_shape(self, input_shape):
    scale = 2 if self.upsample else 1
    height, width = input_shape[1], input_shape[2]
    return (input_shape[0], None if height is None else scale * height,
            None if width is None else scale * width, self.filters)

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, kernel_size=self.kernel_size, use_bias=self.use_bias,
                  upsample=self.upsample)
    return config
