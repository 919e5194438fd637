"""`Generator`: the BigGAN and BigGAN-deep generators (paper §3, App. B; official modules)."""

import keras
import tensorflow as tf

from tfbiggan.layers.conditional_batch_norm import ConditionalBatchNorm
from tfbiggan.layers.conditional_batch_norm import grid_weights
from tfbiggan.layers.deep_generator_block import DeepGeneratorBlock
from tfbiggan.layers.generator_block import GeneratorBlock
from tfbiggan.layers.self_attention import SelfAttention
from tfbiggan.layers.sn_conv2d import SNConv2D
from tfbiggan.layers.sn_dense import SNDense
from tfbiggan.layers.spectral_norm import spectral_normalized_layers
from tfbiggan.models._config_arg import resolve_config


def _block_name(prefix, index):
  """Official scope names: GBlock, GBlock_1, GBlock_2, ..."""
  return prefix if index == 0 else f"{prefix}_{index}"


@keras.saving.register_keras_serializable(package="tfbiggan")
class Generator(keras.Model):
  """BigGAN / BigGAN-deep generator, chosen by `config.architecture`.

  Forward pass (spec §2.1, §2.2):
    emb = y @ linear/w                                 # shared class embedding, no SN
    BigGAN:  z_0..z_n = split(z, n + 1); h = G_linear(z_0); c_i = [z_{i+1}, emb]
    deep:    c = [z, emb]; h = G_linear(c); c_i = c
    h = reshape(h, [B, 4, 4, 16 ch]); h = GBlock_i(h, c_i) (self-attention before one block)
    image = tanh(conv(ReLU(BN(h)))[..., :3])          # BN unconditional, values in [-1, 1]

  Layer names follow the official TF-Hub modules (spec §3): `linear`, `G_linear`,
  `GBlock[_i]`, `attention`, `ScaledCrossReplicaBN`, `conv_2d` (BigGAN-deep's BatchNorm_j,
  scale/offset, GenZ and conv_to_rgb map onto these by the rule of spec §3.3).

  The model is built on construction (from shapes, without tracing), so its weights exist
  right away.

  Args:
    config: a preset name, a `BigGANConfig` or its dict form.
    initializer: the kernel initialiser of this build in place of `config.initializer`
      (which the config keeps): "zeros" where every weight is assigned right afterwards
      (loading a module or checkpoint, the EMA's copy), which skips the orthogonal
      initialiser's QR decompositions, most of a full-width model's build time.
    **kwargs: `keras.Model` arguments (name defaults to "Generator").

  Call args:
    z: float [B, dim_z].
    y: float [B, num_classes], one-hot or soft labels.
    training: batch statistics; update moving averages and SN vectors.
    truncation: optional float scalar: at inference, selects the BN statistics held for
      this truncation when the config has a `truncation_grid`. It does not rescale z (the
      caller samples truncated z, as with the official modules).
    accumulate: batch statistics, accumulated into the standing statistics.

  Returns: float32 images [B, resolution, resolution, 3] in [-1, 1].

  `synthesize(z, embedding, ...)` is the same network fed class embeddings [B, shared_dim]
  in place of labels; with `block_outputs=True` it also returns each G block's output.

  Example:
  >>> g = Generator("digits-32")
  >>> g(tf.zeros([2, 64]), tf.one_hot([1, 2], 10)).shape
  TensorShape([2, 32, 32, 3])
  """

  def __init__(self, config, initializer=None, **kwargs):
    kwargs.setdefault("name", "Generator")
    super().__init__(**kwargs)
    self.config = config = resolve_config(config)
    initializer = initializer or config.initializer
    numerics = dict(num_singular_vectors=config.num_singular_vectors,
                    kernel_initializer=initializer, dtype=self.dtype_policy)
    block_numerics = dict(sn_epsilon=config.sn_epsilon, bn_epsilon=config.bn_epsilon,
                          bn_momentum=config.bn_momentum, cross_replica=config.cross_replica_bn,
                          truncation_grid=config.truncation_grid, **numerics)
    self.shared_embedding = SNDense(config.shared_dim, use_bias=False, spectral_norm=False,
                                    kernel_initializer=initializer, name="linear",
                                    dtype=self.dtype_policy)
    widths = [m * config.g_ch for m in config.g_channel_multipliers]
    self.linear = SNDense(4 * 4 * widths[0], epsilon=config.sn_epsilon, name="G_linear",
                          **numerics)
    block_class = DeepGeneratorBlock if config.is_deep else GeneratorBlock
    self.blocks = [
        block_class(widths[i + 1], upsample=config.g_block_upsamples(i),
                    name=_block_name("GBlock", i), **block_numerics)
        for i in range(config.num_g_blocks)]
    self.attention = None
    if config.g_attention_block is not None:
      self.attention = SelfAttention(sn_epsilon=config.sn_epsilon, name="attention",
                                     **numerics)
    self.final_bn = ConditionalBatchNorm(
        conditional=False, epsilon=config.bn_epsilon, momentum=config.bn_momentum,
        cross_replica=config.cross_replica_bn, truncation_grid=config.truncation_grid,
        name="ScaledCrossReplicaBN", dtype=self.dtype_policy)
    self.conv_out = SNConv2D(config.g_rgb_channels, 3, epsilon=config.sn_epsilon,
                             name="conv_2d", **numerics)
    self.widths = widths
    self.build()

  def build(self, z_shape=None, y_shape=None):
    """Creates every weight from the config's shapes (no tracing, no computation)."""
    config = self.config
    self.shared_embedding.build((None, config.num_classes))
    self.linear.build((None, config.z_chunk_size if config.hierarchical_z
                       else config.condition_dim))
    condition_shape = (None, config.condition_dim)
    side = 4
    for index, block in enumerate(self.blocks):
      shape = (None, side, side, self.widths[index])
      if index == config.g_attention_block:
        self.attention.build(shape)
      block.build(shape, condition_shape)
      side *= 2 if config.g_block_upsamples(index) else 1
    shape = (None, side, side, self.widths[-1])
    self.final_bn.build(shape)
    self.conv_out.build(shape)

  @property
  def batch_norms(self):
    """Every `ConditionalBatchNorm` of the generator, in forward order."""
    return [bn for block in self.blocks for bn in block.batch_norms] + [self.final_bn]

  def freeze_kernels(self, frozen=True):
    """Inference calls read every kernel normalised once, here (`SpectralNormalizedLayer.
    freeze_kernel`): for a generator that only samples; assigning weights afterwards needs
    a new freeze. Training calls are unchanged. In a reduced precision each batch norm also
    normalises in one fused XLA computation (`ConditionalBatchNorm.fuse_inference`), which
    there saves the casts' passes; in float32 it gains nothing."""
    for layer in spectral_normalized_layers(self):
      layer.freeze_kernel(frozen)
    for batch_norm in self.batch_norms:
      batch_norm.fuse_inference = frozen and batch_norm.compute_dtype != "float32"

  def _check_inputs(self, z, y):
    config = self.config
    if z.shape.rank != 2 or z.shape[-1] != config.dim_z:
      raise ValueError(f"z must have shape [batch, dim_z] = [batch, {config.dim_z}] for "
                       f"{config.name}, got {z.shape}")
    if y.shape.rank != 2 or y.shape[-1] != config.num_classes:
      raise ValueError(f"y must have shape [batch, num_classes] = [batch, "
                       f"{config.num_classes}] (one-hot or soft labels) for {config.name}, "
                       f"got {y.shape}; use tf.one_hot(labels, {config.num_classes})")
    if z.shape[0] is not None and y.shape[0] is not None and z.shape[0] != y.shape[0]:
      raise ValueError(f"z and y must have the same batch size, got {z.shape[0]} and "
                       f"{y.shape[0]}")

  def call(self, z, y, training=False, truncation=None, accumulate=False):
    z = tf.convert_to_tensor(z)
    y = tf.convert_to_tensor(y)
    self._check_inputs(z, y)
    return self.synthesize(z, self.shared_embedding(y), training=training,
                           truncation=truncation, accumulate=accumulate)

  def synthesize(self, z, embedding, training=False, truncation=None, accumulate=False,
                 block_outputs=False):
    """The network after the class embedding: images of z [B, dim_z] and class embeddings
    [B, shared_dim] (`y @ linear/w` for labels y; any point of that space, for blends and
    projection). Same options and result as `call`; with `block_outputs`, (images, the
    output [B, H_i, W_i, C_i] of each G block i in the compute dtype)."""
    config = self.config
    z = tf.convert_to_tensor(z)
    embedding = tf.convert_to_tensor(embedding)
    if embedding.shape.rank != 2 or embedding.shape[-1] != config.shared_dim:
      raise ValueError(f"the class embedding must have shape [batch, shared_dim] = [batch, "
                       f"{config.shared_dim}] for {config.name}, got {embedding.shape}")
    z = tf.cast(z, self.compute_dtype)
    embedding = tf.cast(embedding, self.compute_dtype)
    if config.hierarchical_z:
      chunks = tf.split(z, config.num_g_blocks + 1, axis=1)
      h = self.linear(chunks[0], training=training)
      conditions = [tf.concat([chunk, embedding], axis=1) for chunk in chunks[1:]]
    else:
      condition = tf.concat([z, embedding], axis=1)  # z first (HF model.py L293).
      h = self.linear(condition, training=training)
      conditions = [condition] * config.num_g_blocks
    h = tf.reshape(h, [-1, 4, 4, self.widths[0]])  # [B, 4, 4, 16 ch], NHWC.
    if truncation is not None and len(config.truncation_grid) > 1 and not (
        training or accumulate):
      # One set of interpolation weights for every batch norm (fewer ops in exports).
      truncation = grid_weights(config.truncation_grid, truncation)
    bn = dict(training=training, accumulate=accumulate, truncation=truncation)
    outputs = []
    for index, (block, condition) in enumerate(zip(self.blocks, conditions)):
      if index == config.g_attention_block:
        h = self.attention(h, training=training)
      h = block(h, condition, **bn)
      outputs.append(h)
    h = tf.nn.relu(self.final_bn(h, **bn))
    h = self.conv_out(h, training=training, channels=3)
    images = tf.tanh(tf.cast(h, tf.float32))
    return (images, outputs) if block_outputs else images

  def compute_output_spec(self, z, y, training=False, truncation=None, accumulate=False):
    # Keras' symbolic call traces `call`; this only fixes the output dtype to float32.
    spec = super().compute_output_spec(z, y, training=training, truncation=truncation,
                                       accumulate=accumulate)
    return keras.KerasTensor(spec.shape, dtype="float32")

  def get_config(self):
    base = super().get_config()
    return {"name": base["name"], "trainable": base["trainable"], "dtype": base["dtype"],
            "config": self.config.to_dict()}
