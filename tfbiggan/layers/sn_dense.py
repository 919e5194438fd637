"""`SNDense`: a fully connected layer with a spectrally normalised kernel."""

import keras
import tensorflow as tf

from tfbiggan.layers.spectral_norm import SpectralNormalizedLayer


@keras.saving.register_keras_serializable(package="tfbiggan")
class SNDense(SpectralNormalizedLayer):
  """y = x @ (w / sigma(w)) + b, with w [in, units] as in the official modules.

  Used for G's first linear layer (`G_linear`), the class-conditional BN gains and biases,
  D's output layer and, with `spectral_norm=False`, G's shared class embedding.

  Args:
    units: output size.
    use_bias: add a bias `b` [units] (initialised to zeros).
    **kwargs: `SpectralNormalizedLayer` arguments (spectral_norm, num_singular_vectors,
      epsilon, kernel_initializer) and `keras.layers.Layer` arguments.

  Call args:
    inputs: float [B, in].
    training: updates the spectral-norm vectors when True.

  Returns: [B, units] in the compute dtype.

  Example:
  >>> layer = SNDense(4)
  >>> layer(tf.ones([2, 3])).shape
  TensorShape([2, 4])
  """

  def __init__(self, units, use_bias=True, **kwargs):
    super().__init__(**kwargs)
    self.units = units
    self.use_bias = use_bias

  def build(self, input_shape):
    self._add_kernel((input_shape[-1], self.units))
    if self.use_bias:
      self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros",
                               autocast=False)

  def call(self, inputs, training=False):
    outputs = tf.matmul(tf.cast(inputs, self.compute_dtype), self._kernel(training))
    if self.use_bias:
      outputs = outputs + tf.cast(self.b.value, self.compute_dtype)
    return outputs

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (self.units,)

  def get_config(self):
    config = super().get_config()
    config.update(units=self.units, use_bias=self.use_bias)
    return config
