"""`SNEmbedding`: a class embedding table with a spectrally normalised kernel."""

import keras
import tensorflow as tf

from tfbiggan.layers.spectral_norm import SpectralNormalizedLayer


@keras.saving.register_keras_serializable(package="tfbiggan")
class SNEmbedding(SpectralNormalizedLayer):
  """Looks up rows of w / sigma(w), w [input_dim, output_dim].

  This is the projection discriminator's class embedding (CG `embedding_fc`, glorot_normal
  initialised; BP `SNEmbedding`). Integer ids are gathered; float inputs (one-hot or soft
  labels, as BigGAN's y) are matrix-multiplied, which equals the gather for one-hot rows.

  Args:
    input_dim: number of classes.
    output_dim: embedding size.
    **kwargs: `SpectralNormalizedLayer` and `keras.layers.Layer` arguments; the kernel
      initialiser defaults to "glorot_normal".

  Call args:
    inputs: int [B] class ids, or float [B, input_dim] (soft) one-hot labels.
    training: updates the spectral-norm vectors when True.

  Returns: [B, output_dim] in the compute dtype.

  Example:
  >>> SNEmbedding(10, 4)(tf.constant([1, 2])).shape
  TensorShape([2, 4])
  """

  def __init__(self, input_dim, output_dim, kernel_initializer="glorot_normal", **kwargs):
    super().__init__(kernel_initializer=kernel_initializer, **kwargs)
    self.input_dim = input_dim
    self.output_dim = output_dim

  def build(self, input_shape):
    self._add_kernel((self.input_dim, self.output_dim))

  def call(self, inputs, training=False):
    kernel = self._kernel(training)
    if inputs.dtype.is_integer:
      return tf.gather(kernel, inputs)
    return tf.matmul(tf.cast(inputs, self.compute_dtype), kernel)

  def compute_output_shape(self, input_shape):
    if len(input_shape) == 1:
      return tuple(input_shape) + (self.output_dim,)
    return tuple(input_shape[:-1]) + (self.output_dim,)

  def get_config(self):
    config = super().get_config()
    config.update(input_dim=self.input_dim, output_dim=self.output_dim)
    return config
