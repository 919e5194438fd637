"""`SNConv2D`: a stride-1, SAME-padded NHWC convolution with a spectrally normalised kernel."""

import keras
import tensorflow as tf

from tfbiggan.layers.spectral_norm import SpectralNormalizedLayer


@keras.saving.register_keras_serializable(package="tfbiggan")
class SNConv2D(SpectralNormalizedLayer):
  """conv2d(x, w / sigma(w)) + b with w [k, k, in, filters] (TF layout, no transposes).

  sigma is that of w reshaped to [k*k*in, filters], as in the official modules.

  Args:
    filters: output channels.
    kernel_size: square kernel side (BigGAN uses 1 and 3).
    use_bias: add a bias `b` [filters] (the self-attention convs have none).
    **kwargs: `SpectralNormalizedLayer` and `keras.layers.Layer` arguments.

  Call args:
    inputs: [B, H, W, in].
    training: updates the spectral-norm vectors when True.

  Returns: [B, H, W, filters] in the compute dtype.

  Example:
  >>> SNConv2D(8, 3)(tf.ones([2, 4, 4, 3])).shape
  TensorShape([2, 4, 4, 8])
  """

  def __init__(self, filters, kernel_size=3, use_bias=True, **kwargs):
    super().__init__(**kwargs)
    self.filters = filters
    self.kernel_size = kernel_size
    self.use_bias = use_bias

  def build(self, input_shape):
    self._add_kernel((self.kernel_size, self.kernel_size, input_shape[-1], self.filters))
    if self.use_bias:
      self.b = self.add_weight(name="b", shape=(self.filters,), initializer="zeros",
                               autocast=False)

  def call(self, inputs, training=False):
    outputs = tf.nn.conv2d(tf.cast(inputs, self.compute_dtype), self._kernel(training),
                           strides=1, padding="SAME")
    if self.use_bias:
      outputs = outputs + tf.cast(self.b.value, self.compute_dtype)
    return outputs

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (self.filters,)

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, kernel_size=self.kernel_size, use_bias=self.use_bias)
    return config
