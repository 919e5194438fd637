"""What the small-data recipes change in a training step: which variables the optimizers
update, and the moving averages that LeCam regularisation compares D's outputs with.

  FreezeD (Mo et al., "Freeze the Discriminator", 2020): D's first `freeze_d_blocks` blocks
    keep the weights they started from (with BigGAN-deep's initial conv, and self-attention
    when it sits among them); the blocks above, the linear head and the class projection
    train. Meant for a D that starts from a trained one (`--init_discriminator`).
  Batch-statistics adaptation (Noguchi & Harada, ICCV 2019): `g_trainable =
    "embedding_and_norms"` updates only G's shared class embedding and the gain and bias of
    every batch norm (the conditional BNs' projections and the final BN's gamma and beta).
  LeCam (Tseng et al., CVPR 2021): `LeCamAnchors` keeps a_real and a_fake, the moving
    averages of D's mean output on real and on fake images, zero-debiased as google/lecam-gan
    does; `tfbiggan.losses.lecam_penalty` uses them.
"""

import tensorflow as tf


def trained_generator_variables(generator, which="all"):
  """The variables of `generator` that its optimizer updates ("all" or
  "embedding_and_norms", see the module docstring), in `trainable_variables` order."""
  if which == "all":
    return list(generator.trainable_variables)
  if which != "embedding_and_norms":
    raise ValueError(f"unknown g_trainable {which!r}")
  chosen = {id(v) for v in generator.shared_embedding.trainable_variables}
  for batch_norm in generator.batch_norms:
    chosen.update(id(v) for v in batch_norm.trainable_variables)
  return [v for v in generator.trainable_variables if id(v) in chosen]


def frozen_discriminator_layers(discriminator, num_blocks):
  """The layers of D that FreezeD with `num_blocks` frozen blocks keeps fixed."""
  if not num_blocks:
    return []
  layers = list(discriminator.blocks[:num_blocks])
  if discriminator.initial_conv is not None:
    layers.insert(0, discriminator.initial_conv)
  attention_after = discriminator.config.d_attention_block
  if discriminator.attention is not None and attention_after < num_blocks - 1:
    layers.append(discriminator.attention)
  return layers


def trained_discriminator_variables(discriminator, freeze_blocks=0):
  """D's variables that its optimizer updates: all but those of the frozen layers."""
  frozen = {id(v) for layer in frozen_discriminator_layers(discriminator, freeze_blocks)
            for v in layer.trainable_variables}
  return [v for v in discriminator.trainable_variables if id(v) not in frozen]


class LeCamAnchors:
  """a_real and a_fake of LeCam regularisation: EMAs of D's mean outputs, zero-debiased.

  After n updates with means m_1..m_n, a = (1 - d) sum_i d^(n-i) m_i / (1 - d^n), as
  `tf.train.ExponentialMovingAverage`'s zero_debias (google/lecam-gan's TF code). Create it
  under the strategy's scope; `update` works in replica context (every replica assigns the
  same global means).

  Attributes:
    state: float32 variable [3]: the biased EMAs of the real and fake means, and n.
  """

  def __init__(self, decay=0.99):
    self.decay = decay
    self.state = tf.Variable(tf.zeros([3]), trainable=False, name="lecam_anchors",
                             aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)

  def updated(self, mean_real, mean_fake):
    """(new state [3], (a_real, a_fake)) after one update with the batch means; the state is
    assigned by the caller (`self.state.assign(new_state)`)."""
    biased_real, biased_fake, count = tf.unstack(self.state.read_value())
    decay = tf.constant(self.decay, tf.float32)
    biased_real = decay * biased_real + (1.0 - decay) * mean_real
    biased_fake = decay * biased_fake + (1.0 - decay) * mean_fake
    count += 1.0
    correction = 1.0 - tf.pow(decay, count)
    return (tf.stack([biased_real, biased_fake, count]),
            (biased_real / correction, biased_fake / correction))

  def anchors(self):
    """(a_real, a_fake) now (zeros before the first update)."""
    biased_real, biased_fake, count = tf.unstack(self.state.read_value())
    correction = tf.maximum(1.0 - tf.pow(tf.constant(self.decay, tf.float32), count), 1e-12)
    return biased_real / correction, biased_fake / correction
