"""`Discriminator`: BigGAN's and BigGAN-deep's projection discriminators (paper §3, App. B)."""

import keras
import tensorflow as tf

from tfbiggan.layers.deep_discriminator_block import DeepDiscriminatorBlock
from tfbiggan.layers.discriminator_block import DiscriminatorBlock
from tfbiggan.layers.self_attention import SelfAttention
from tfbiggan.layers.sn_conv2d import SNConv2D
from tfbiggan.layers.sn_dense import SNDense
from tfbiggan.layers.sn_embedding import SNEmbedding
from tfbiggan.models._config_arg import resolve_config
from tfbiggan.models.generator import _block_name


@keras.saving.register_keras_serializable(package="tfbiggan")
class Discriminator(keras.Model):
  """Projection discriminator (Miyato & Koyama 2018) with BigGAN's residual D blocks.

    BigGAN: h = DBlock_i(x) (the first on the image), self-attention after one block
    deep:   h = conv3x3(x); h = DBlock_i(h), self-attention after one block
    h = sum_{H,W} ReLU(h)                                 # global *sum* pooling (CG L413)
    logit = linear(h) + sum(embedding(y) * h)             # SN linear + SN projection

  Layouts follow compare_gan (spec §2.3), which gives the paper's parameter counts.

  Args:
    config: a preset name, a `BigGANConfig` or its dict form.
    initializer: the kernel initialiser of this build in place of the config's (see
      `Generator`): "zeros" where every weight is assigned right afterwards.
    **kwargs: `keras.Model` arguments (name defaults to "Discriminator").

  Call args:
    images: float [B, resolution, resolution, 3] in [-1, 1].
    y: float [B, num_classes] one-hot or soft labels (int [B] class ids also work).
    training: updates the SN vectors.

  Returns: float32 logits [B].

  Example:
  >>> d = Discriminator("digits-32")
  >>> d(tf.zeros([2, 32, 32, 3]), tf.one_hot([1, 2], 10)).shape
  TensorShape([2])
  """

  def __init__(self, config, initializer=None, **kwargs):
    kwargs.setdefault("name", "Discriminator")
    super().__init__(**kwargs)
    self.config = config = resolve_config(config)
    numerics = dict(num_singular_vectors=config.num_singular_vectors,
                    kernel_initializer=initializer or config.initializer,
                    dtype=self.dtype_policy)
    widths = [m * config.d_ch for m in config.d_channel_multipliers]
    self.initial_conv = None
    if config.is_deep:
      self.initial_conv = SNConv2D(widths[0], 3, epsilon=config.sn_epsilon,
                                   name="conv_initial", **numerics)
      block_widths = widths[1:]
    else:
      block_widths = widths
    self.blocks = []
    for index, width in enumerate(block_widths):
      down = config.d_block_downsamples(index)
      name = _block_name("DBlock", index)
      if config.is_deep:
        block = DeepDiscriminatorBlock(width, downsample=down, name=name,
                                       sn_epsilon=config.sn_epsilon, **numerics)
      else:
        block = DiscriminatorBlock(width, downsample=down, preactivation=index > 0, name=name,
                                   sn_epsilon=config.sn_epsilon, **numerics)
      self.blocks.append(block)
    self.attention = None
    if config.d_attention_block is not None:
      self.attention = SelfAttention(sn_epsilon=config.sn_epsilon, name="attention",
                                     **numerics)
    self.linear = SNDense(1, epsilon=config.sn_epsilon, name="linear", **numerics)
    # CG initialises the projection embedding with glorot_normal (resnet_biggan.py L417).
    self.embedding = SNEmbedding(
        config.num_classes, widths[-1], epsilon=config.sn_epsilon, name="embedding",
        kernel_initializer=initializer or "glorot_normal",
        num_singular_vectors=config.num_singular_vectors, dtype=self.dtype_policy)
    self.widths = widths
    self.build()

  def build(self, images_shape=None, y_shape=None):
    """Creates every weight from the config's shapes (no tracing, no computation)."""
    config = self.config
    side, channels = config.resolution, 3
    if self.initial_conv is not None:
      self.initial_conv.build((None, side, side, channels))
      channels = self.widths[0]
    for index, block in enumerate(self.blocks):
      block.build((None, side, side, channels))
      channels = block.out_channels
      side //= 2 if config.d_block_downsamples(index) else 1
      if index == config.d_attention_block:
        self.attention.build((None, side, side, channels))
    self.linear.build((None, channels))
    self.embedding.build((None, config.num_classes))

  def _check_inputs(self, images, y):
    config = self.config
    expected = [config.resolution, config.resolution, 3]
    if images.shape.rank != 4 or images.shape[1:].as_list() != expected:
      raise ValueError(f"images must have shape [batch, {config.resolution}, "
                       f"{config.resolution}, 3] for {config.name}, got {images.shape}")
    if y.dtype.is_integer:
      if y.shape.rank != 1:
        raise ValueError(f"integer labels must have shape [batch], got {y.shape}")
    elif y.shape.rank != 2 or y.shape[-1] != config.num_classes:
      raise ValueError(f"y must have shape [batch, num_classes] = [batch, "
                       f"{config.num_classes}] (one-hot or soft labels) for {config.name}, "
                       f"got {y.shape}")

  def call(self, images, y, training=False):
    images = tf.convert_to_tensor(images)
    y = tf.convert_to_tensor(y)
    self._check_inputs(images, y)
    features = self.features(images, training=training)
    logits = self.linear(features, training=training)[:, 0]
    projection = self.embedding(y, training=training)
    logits += tf.reduce_sum(projection * features, axis=1)
    return tf.cast(logits, tf.float32)

  def features(self, images, training=False):
    """D's image features before the class projection: sum over space of ReLU of the last
    block's output, [B, C] in the compute dtype (the vector that `linear` and the class
    embedding read; also a feature space to compare images in)."""
    h = tf.cast(images, self.compute_dtype)
    if self.initial_conv is not None:
      h = self.initial_conv(h, training=training)
    for index, block in enumerate(self.blocks):
      h = block(h, training=training)
      if index == self.config.d_attention_block:
        h = self.attention(h, training=training)
    return tf.reduce_sum(tf.nn.relu(h), axis=[1, 2])

  def compute_output_spec(self, images, y, training=False):
    spec = super().compute_output_spec(images, y, training=training)
    return keras.KerasTensor(spec.shape, dtype="float32")

  def get_config(self):
    base = super().get_config()
    return {"name": base["name"], "trainable": base["trainable"], "dtype": base["dtype"],
            "config": self.config.to_dict()}
