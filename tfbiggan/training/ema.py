"""`GeneratorEMA`: the exponential moving average of G used for evaluation and export.

Paper App. C (spec §4): G's weights are averaged with decay 0.9999; before `start_step` the
average simply copies the weights (CG `ema_start_step`, BP `--ema_start`). The EMA
generator is a full `Generator`: its non-trainable state (spectral-norm vectors, BN
statistics) is copied from G at every update, as BP copies buffers; its standing statistics
are then accumulated on the EMA generator itself before sampling.
"""

import tensorflow as tf

from tfbiggan.layers.initializers import ASSIGNED_AFTERWARDS
from tfbiggan.models.generator import Generator


def generator_copy(generator):
  """A new `Generator` of `generator`'s config, name and dtype policy, holding its weights
  (the EMA's, and a fine-tune's frozen source for cross-domain correspondence)."""
  copy = Generator(generator.config, initializer=ASSIGNED_AFTERWARDS, name=generator.name,
                   dtype=generator.dtype_policy)
  for target, source in zip(copy.weights, generator.weights):
    target.assign(source.value)
  return copy


class GeneratorEMA:
  """Keeps `ema_generator`, an exponential moving average of `generator`'s weights.

  Create it under the same strategy scope as the generator; call `update(step)` after each
  G optimizer step in cross-replica context (e.g. in the tf.function that calls
  `strategy.run`), where assignments update every replica's copy.

  Args:
    generator: the trained `Generator`.
    decay: EMA decay (0.9999 in the paper).
    start_step: steps before which the EMA copies the weights.
  """

  def __init__(self, generator, decay=0.9999, start_step=0):
    if not 0.0 <= decay < 1.0:
      raise ValueError(f"decay must be in [0, 1), got {decay}")
    self.generator = generator
    self.decay = decay
    self.start_step = start_step
    self.ema_generator = generator_copy(generator)

  def update(self, step):
    """One EMA update after global step `step` (an int or scalar tensor)."""
    step = tf.cast(step, tf.float32)
    decay = tf.where(step < float(self.start_step), 0.0, self.decay)
    for target, source in zip(self.ema_generator.trainable_weights,
                              self.generator.trainable_weights):
      target.assign(decay * target.value + (1.0 - decay) * source.value)
    for target, source in zip(self.ema_generator.non_trainable_weights,
                              self.generator.non_trainable_weights):
      target.assign(source.value)
