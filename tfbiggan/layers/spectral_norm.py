"""Spectral normalisation exactly as the official BigGAN graph computes it.

Paper §4 (Miyato et al.'s SN in G and D, with the top singular values tracked by power
iteration with Gram-Schmidt); the op-by-op form is that of the official TF-Hub modules
(docs/reference/biggan_spec.md §3.4):

    W = reshape(w, [-1, out])                       # [K, out], TF kernel layout
    nrm(x) = x * rsqrt(sum(x**2) + eps)             # eps added, not max()'d; eps = 1e-4
    v_0 = nrm(u_0 W^T);           u_0' = nrm(v_0 W)
    v_i = nrm(GS(u_i W^T, v_<i)); u_i' = nrm(GS(v_i W, u'_<i))   # GS: Gram-Schmidt
    sigma_i = (sg(v_i) W) . sg(u_i')                # sg: stop-gradient
    w_sn = w / sigma_0

The u_i are non-trainable [1, out] variables. They are updated (u_i <- u_i') only in
training calls; at inference sigma is computed from the stored u_0 by the same single step
(`inference_sigma`, in fewer graph ops), so a sample never changes the model. u is assigned
inside replica contexts with ONLY_FIRST_REPLICA aggregation: W and u are mirrored, so every
replica computes the same u'.
"""

import keras
import tensorflow as tf

from tfbiggan.layers.initializers import get_initializer


# sigma is floored so that an all-zero kernel (zero initialisation) stays zero instead of
# 0/0 = NaN; every kernel with sigma above 1e-12 is normalised exactly as the official graph.
_MIN_SIGMA = 1e-12


def _normalize(x, epsilon):
  return x * tf.math.rsqrt(tf.reduce_sum(tf.square(x)) + epsilon)


def _orthogonalize(x, basis):
  """Gram-Schmidt: removes from x its projection onto each (non-normalised) basis vector."""
  for y in basis:
    x = x - tf.reduce_sum(x * y) / tf.reduce_sum(y * y) * y
  return x


def power_iteration(matrix, us, epsilon=1e-4):
  """One power-iteration step for each singular vector estimate in `us`.

  Args:
    matrix: float32 [K, out], the kernel reshaped to [-1, out].
    us: list of float32 [1, out] left estimates (u_0 first).
    epsilon: the normalisation epsilon (1e-4 in the official modules).

  Returns:
    (new_us, sigmas): the updated estimates and the singular value estimates, two lists of
    len(us) ([1, out] tensors and float32 scalars); gradients flow to `matrix` only.
  """
  vs, new_us, sigmas = [], [], []
  for u in us:
    v = tf.stop_gradient(_normalize(
        _orthogonalize(tf.matmul(u, matrix, transpose_b=True), vs), epsilon))
    # v W is both u's next estimate (before normalising) and sigma's factor: computed once.
    v_matrix = tf.matmul(v, matrix)
    u_new = tf.stop_gradient(_normalize(_orthogonalize(v_matrix, new_us), epsilon))
    vs.append(v)
    new_us.append(u_new)
    sigmas.append(tf.reduce_sum(v_matrix * u_new))
  return new_us, sigmas


def inference_sigma(matrix, u, epsilon=1e-4):
  """sigma_0 of `power_iteration` from u_0 alone, in two thirds of its graph ops.

  The same single step, value and gradient (v and u' stop-gradient), with each sum of a
  product of rows taken as a [1, 1] matmul; equal to `power_iteration` to float32 rounding.
  For inference: each op here is repeated for every kernel in an exported module's graph,
  and every op adds to the module's load time.

  Args:
    matrix: float32 [K, out], the kernel reshaped to [-1, out].
    u: float32 [1, out], the estimate u_0.
    epsilon: the normalisation epsilon.

  Returns: float32 [1, 1].
  """
  row = tf.matmul(u, matrix, transpose_b=True)  # [1, K]
  v = tf.stop_gradient(row * tf.math.rsqrt(tf.matmul(row, row, transpose_b=True) + epsilon))
  v_matrix = tf.matmul(v, matrix)  # [1, out]
  u_new = tf.stop_gradient(v_matrix * tf.math.rsqrt(
      tf.matmul(v_matrix, v_matrix, transpose_b=True) + epsilon))
  return tf.matmul(v_matrix, u_new, transpose_b=True)


class SpectralNormalizedLayer(keras.layers.Layer):
  """Base class of layers whose kernel `w` is spectrally normalised (SNDense, SNConv2D, ...).

  Subclasses create their kernel with `_add_kernel(shape)` in `build()` and read the
  normalised kernel with `_kernel(training)` in `call()`.

  Args:
    spectral_norm: if False the kernel is used as is (e.g. G's shared class embedding).
    num_singular_vectors: singular vectors tracked (u_0 .. u_{n-1}); only u_0 normalises.
    epsilon: normalisation epsilon of the power iteration.
    kernel_initializer: a name from `tfbiggan.layers.initializers` or a Keras initializer.
    **kwargs: passed to `keras.layers.Layer`.
  """

  def __init__(self, spectral_norm=True, num_singular_vectors=1, epsilon=1e-4,
               kernel_initializer="orthogonal", **kwargs):
    super().__init__(**kwargs)
    if num_singular_vectors < 1:
      raise ValueError(f"num_singular_vectors must be >= 1, got {num_singular_vectors}")
    self.spectral_norm = spectral_norm
    self.num_singular_vectors = num_singular_vectors
    self.epsilon = epsilon
    self.kernel_initializer = kernel_initializer
    self._frozen_kernel = None  # See `freeze_kernel`.

  def _add_kernel(self, shape):
    # autocast=False: SN runs in float32 under mixed precision; the result is cast once.
    self.w = self.add_weight(name="w", shape=shape, autocast=False,
                             initializer=get_initializer(self.kernel_initializer))
    self.us = []
    if self.spectral_norm:
      for i in range(self.num_singular_vectors):
        self.us.append(self.add_weight(
            name=f"u{i}", shape=(1, shape[-1]), trainable=False, autocast=False,
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            aggregation="only_first_replica"))

  def freeze_kernel(self, frozen=True):
    """From now on, inference calls read the normalised kernel computed here, once.

    For a copy that only samples (`tfbiggan.modules.module_in_precision`): every inference
    call otherwise reads the float32 kernel twice for sigma, divides it and casts it to the
    compute dtype, a large share of a small batch's call on a CPU (docs/benchmarks.md,
    "Sampling from a module against PyTorch"). The frozen kernel is a tensor in the compute
    dtype, not a weight: assigning w or u afterwards does not change it (freeze again, or
    `frozen=False` to compute it per call again); training calls never read it.
    """
    self._frozen_kernel = self._kernel(training=False) if frozen else None

  def _kernel(self, training=False):
    """The (spectrally normalised) kernel in the compute dtype, in the form `call` uses
    (`_call_form`); updates u when training."""
    if not training and self._frozen_kernel is not None:
      return self._frozen_kernel
    kernel = tf.convert_to_tensor(self.w.value)
    if self.spectral_norm:
      matrix = kernel if kernel.shape.rank == 2 else tf.reshape(kernel, [-1, kernel.shape[-1]])
      if training:
        new_us, sigmas = power_iteration(matrix, [u.value for u in self.us], self.epsilon)
        for u, new_u in zip(self.us, new_us):
          u.assign(new_u)
        sigma = sigmas[0]
      else:
        # Only u_0 normalises, so inference iterates u_0 alone.
        sigma = inference_sigma(matrix, self.us[0].value, self.epsilon)
      kernel = kernel / tf.maximum(sigma, _MIN_SIGMA)
    return tf.cast(self._call_form(kernel), self.compute_dtype)

  def _call_form(self, kernel):
    """The float32 normalised kernel rearranged for `call` (the kernel itself here;
    `SNConv2D` folds an upsampling conv's). Frozen kernels keep this form."""
    return kernel

  def singular_values(self):
    """Estimates of the top singular values of the raw kernel, float32 [num_vectors].

    Computed from the stored u's without updating them (for TensorBoard, paper §4).
    """
    kernel = tf.convert_to_tensor(self.w.value)
    matrix = tf.reshape(kernel, [-1, kernel.shape[-1]])
    if not self.spectral_norm:
      return tf.linalg.svd(matrix, compute_uv=False)[:self.num_singular_vectors]
    return tf.stack(power_iteration(matrix, [u.value for u in self.us], self.epsilon)[1])

  def get_config(self):
    config = super().get_config()
    config.update(spectral_norm=self.spectral_norm,
                  num_singular_vectors=self.num_singular_vectors, epsilon=self.epsilon,
                  kernel_initializer=keras.saving.serialize_keras_object(
                      self.kernel_initializer))
    return config


def spectral_normalized_layers(model):
  """Every `SpectralNormalizedLayer` inside the Keras model (or layer) `model`, in order."""
  return [layer for layer in model._flatten_layers(include_self=False)  # pylint: disable=protected-access
          if isinstance(layer, SpectralNormalizedLayer)]
