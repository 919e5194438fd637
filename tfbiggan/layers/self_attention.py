"""`SelfAttention`: the SA-GAN non-local block used by BigGAN's G and D (paper §3)."""

import keras
import tensorflow as tf

from tfbiggan.layers.resampling import max_pool_2x
from tfbiggan.layers.sn_conv2d import SNConv2D


@keras.saving.register_keras_serializable(package="tfbiggan")
class SelfAttention(keras.layers.Layer):
  """out = x + gamma * o_conv(softmax(theta(x) phi(x)^T) g(x)), SA-GAN style.

  theta, phi: SN 1x1 convs C -> C/8; g: C -> C/2; phi and g are 2x2 max-pooled, so each of
  the N = H*W queries attends over N/4 keys; o_conv: C/2 -> C. No biases; gamma [1] starts
  at 0, so the block starts as the identity (spec §2.6; official names theta, phi, g,
  o_conv, gamma). The attention logits and softmax are computed in float32.

  Args:
    spectral_norm, num_singular_vectors, sn_epsilon, kernel_initializer: for the convs.
    **kwargs: `keras.layers.Layer` arguments.

  Call args:
    inputs: [B, H, W, C] with C divisible by 8 and H, W even.
    training: updates the SN vectors.

  Returns: [B, H, W, C].

  Example:
  >>> SelfAttention()(tf.ones([2, 8, 8, 16])).shape
  TensorShape([2, 8, 8, 16])
  """

  def __init__(self, spectral_norm=True, num_singular_vectors=1, sn_epsilon=1e-4,
               kernel_initializer="orthogonal", **kwargs):
    super().__init__(**kwargs)
    self.spectral_norm = spectral_norm
    self.num_singular_vectors = num_singular_vectors
    self.sn_epsilon = sn_epsilon
    self.kernel_initializer = kernel_initializer

  def build(self, input_shape):
    channels = input_shape[-1]
    if channels % 8:
      raise ValueError(f"self-attention needs channels divisible by 8, got {channels}")
    conv = dict(kernel_size=1, use_bias=False, spectral_norm=self.spectral_norm,
                num_singular_vectors=self.num_singular_vectors, epsilon=self.sn_epsilon,
                kernel_initializer=self.kernel_initializer, dtype=self.dtype_policy)
    self.theta = SNConv2D(channels // 8, name="theta", **conv)
    self.phi = SNConv2D(channels // 8, name="phi", **conv)
    self.g = SNConv2D(channels // 2, name="g", **conv)
    self.o_conv = SNConv2D(channels, name="o_conv", **conv)
    for layer in (self.theta, self.phi, self.g):
      layer.build(input_shape)
    self.o_conv.build(tuple(input_shape[:-1]) + (channels // 2,))
    self.gamma = self.add_weight(name="gamma", shape=(1,), initializer="zeros",
                                 autocast=False)

  def call(self, inputs, training=False):
    x = tf.cast(inputs, self.compute_dtype)
    batch = tf.shape(x)[0]
    height, width, channels = x.shape[1], x.shape[2], x.shape[3]
    positions = height * width
    theta = tf.reshape(self.theta(x, training=training), [batch, positions, channels // 8])
    phi = tf.reshape(max_pool_2x(self.phi(x, training=training)),
                     [batch, positions // 4, channels // 8])
    g = tf.reshape(max_pool_2x(self.g(x, training=training)),
                   [batch, positions // 4, channels // 2])
    logits = tf.matmul(tf.cast(theta, tf.float32), tf.cast(phi, tf.float32), transpose_b=True)
    attention = tf.cast(tf.nn.softmax(logits, axis=-1), self.compute_dtype)  # [B, N, N/4]
    attended = tf.reshape(tf.matmul(attention, g), [batch, height, width, channels // 2])
    output = self.o_conv(attended, training=training)
    return x + tf.cast(self.gamma.value, self.compute_dtype) * output

  def compute_output_shape(self, input_shape):
    return input_shape

  def get_config(self):
    config = super().get_config()
    config.update(spectral_norm=self.spectral_norm,
                  num_singular_vectors=self.num_singular_vectors, sn_epsilon=self.sn_epsilon,
                  kernel_initializer=self.kernel_initializer)
    return config
