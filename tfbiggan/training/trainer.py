"""`Trainer`: BigGAN's models, optimizers and EMA under a strategy, and its train function.

One training step (paper §4, App. C; BP `train_fns.py`, CG `modular_gan.py`):
  for k in range(d_steps):                      # 2 in the paper
    fake = G(z_k, y_k)                          # training-mode BN, no gradient to G
    logits = D([x_k; fake], [y_real_k; y_k])    # real and fake in one D call, as BP and CG
    D <- Adam(mean over the global batch of the per-example D loss [+ R1])
  fake = G(z, y); G <- Adam(mean of the per-example G loss + orthogonal regularisation
                            [+ mode seeking, with y in pairs of one class]
                            [+ cross-domain correspondence against the source G])
  EMA G <- decay * EMA G + (1 - decay) * G     # copies G before ema_start_step
Fine-tuning warm-ups (`tfbiggan.training.fresh_d`): in the first d_warmup_steps steps the G
update is left out (D alone: G, its Adam state and its EMA stay where they started); then G's
learning rate rises linearly to g_lr over g_lr_warmup_steps steps.
Small-data options (`tfbiggan.training.small_data`): FreezeD and G's embedding-and-norms
training change which variables the optimizers update; LeCam adds
lecam_weight * E[relu(D(x) - a_fake)^2 + relu(a_real - D(G(z)))^2] to each D update's loss,
the anchors first updated with that update's global means (google/lecam-gan's order); mode
seeking (MSGAN) gives G's rows 2i and 2i + 1 one class and adds its per-pair penalty;
cross-domain correspondence (CDC) runs the frozen source G (`source_generator`: G as the
fine-tune started) on G's noise and classes, both in training mode, and adds its penalty on
the G blocks' outputs, per group of CDC_GROUP_SIZE rows.
Gradient accumulation (`d_accumulations`, `g_accumulations` = k): an update runs its batch
as k micro-batches one after the other, each taking its rows of the update's noise and real
batch, and applies the sum of their gradients once; every loss is still divided by the global
batch, so the sum is the global mean's gradient. G's BN normalises each micro-batch by its own
moments (as BigGAN-PyTorch), the orthogonal penalty is added once per G update.
float16 (`precision="float16"`): each optimizer has a dynamic loss scale
(`tfbiggan.training.loss_scale`): its losses are scaled before the backward pass, the gradients
unscaled, and an update whose gradients overflow on any replica is skipped on all.
Fake classes are uniform. Noise is stateless: the global batch's z and y of step s, update k
are drawn from (seed, s, k) and each replica takes its own rows, so replicas get distinct
noise and the step is the same on 1, 2 or 4 replicas (DiffAugment's draws are per replica and
micro-batch).
Gradients are summed over replicas by the optimizers; every loss is already divided by the
global batch (`tf.nn.compute_average_loss`), and the orthogonal penalty by the number of
replicas, so the update equals the one-device update on the global batch.
"""

import contextlib

import keras
import tensorflow as tf

from tfbiggan.data.pipeline import per_replica_batch_size
from tfbiggan.diff_augment import diff_augment
from tfbiggan.configs.config import CDC_GROUP_SIZE
from tfbiggan.losses import (cross_domain_correspondence_penalty, discriminator_loss,
                             generator_loss, lecam_penalty, mode_seeking_penalty,
                             orthogonal_regularization, orthogonal_regularization_kernels,
                             r1_penalty)
from tfbiggan.models.discriminator import Discriminator
from tfbiggan.models.generator import Generator
from tfbiggan.training.ema import GeneratorEMA, generator_copy
from tfbiggan.training.loss_scale import DynamicLossScale
from tfbiggan.training.precision import POLICIES
from tfbiggan.training.small_data import (LeCamAnchors, trained_discriminator_variables,
                                          trained_generator_variables)

METRICS = ("d_loss", "g_loss", "ortho_reg", "r1", "lecam", "mode_seeking", "cdc", "d_real",
           "d_fake", "d_skipped", "g_skipped")
# 0 in the D warm-up: no G update.
G_METRICS = ("g_loss", "ortho_reg", "mode_seeking", "cdc")
SKIP_METRICS = ("d_skipped", "g_skipped")  # Overflowed float16 updates per step.
_Z, _Y, _AUGMENT = 0, 1, 2  # Purposes folded into a step's seed.


# The noise of a step must not depend on --xla (nor differ between a TPU run, always compiled,
# and the same run on a CPU or GPU). Under XLA, TensorFlow's "auto_select" algorithm, and the
# mapping of random bits to floats in `stateless_normal` / float `stateless_uniform`, differ
# from the uncompiled ops; Philox's raw bits and integers agree. So keys are folded with
# Philox, and normal samples are made from Philox's bits here.
_ALG = "philox"


# The largest float32 below 1.
_BELOW_ONE = 1.0 - 2.0 ** -24


def standard_normal(shape, key):
  """Stateless N(0, 1) samples [shape], the same with and without XLA (up to the inverse
  normal CDF's last bits, about 1e-5 in the far tails): the top 24 of Philox's 32 random
  bits give a uniform in (0, 1), and its inverse normal CDF a normal sample."""
  bits = tf.random.stateless_uniform(shape, key, minval=None, maxval=None, dtype=tf.uint32,
                                     alg=_ALG)
  return normal_from_bits(bits)


def normal_from_bits(bits):
  """N(0, 1) samples from uint32 random bits (their top 24): ndtri((k + 0.5) / 2^24).

  For k = 2^24 - 1, k + 0.5 rounds to 2^24 in float32, so the uniform would be exactly 1
  and the sample +Inf (once in 2^24 draws: a NaN loss every few thousand steps of a
  run); it is kept at the largest float32 below 1 (a sample of about 5.3)."""
  uniform = (tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) + 0.5) * 2.0 ** -24
  return tf.math.ndtri(tf.minimum(uniform, _BELOW_ONE))


def _add_gradients(a, b):
  """a + b for two gradients of one variable (None: unconnected; sparse ones made dense)."""
  if a is None or b is None:
    return a if b is None else b
  return tf.convert_to_tensor(a) + tf.convert_to_tensor(b)


@contextlib.contextmanager
def dtype_policy(name):
  """Builds layers under the Keras dtype policy `name` ("float32", "mixed_bfloat16")."""
  previous = keras.mixed_precision.global_policy()
  keras.mixed_precision.set_global_policy(name)
  try:
    yield
  finally:
    keras.mixed_precision.set_global_policy(previous)


class Trainer:
  """Everything a BigGAN training run updates, created under `strategy.scope()`.

  Attributes:
    generator, discriminator: the trained `Generator` and `Discriminator`.
    ema: `GeneratorEMA`; `ema.ema_generator` is the model to sample from.
    g_optimizer, d_optimizer: Keras Adam, built under the scope (a Keras 3 optimizer must
      be built before `strategy.run`).
    g_variables, d_variables: the variables the optimizers update (all trainable ones unless
      the config's `g_trainable` or `freeze_d_blocks` say otherwise).
    lecam: `LeCamAnchors` when the config's lecam_weight > 0, else None.
    source_generator: with the config's cdc_weight > 0, the frozen `Generator` that
      cross-domain correspondence compares G with: a copy of G as built, which
      `initialize_trainer` sets to the fine-tune's initial G; else None.
    d_loss_scale, g_loss_scale: `DynamicLossScale`s in float16, else None.
    step: int64 variable, the number of completed training steps.
    seed: int64 variable, the run's seed (noise and data order derive from it and the step).

  Args:
    config: a `BigGANConfig`.
    strategy: a tf.distribute strategy (see `resolve_strategy`).
    seed: the run's seed.
    precision: the compute dtype, "float32", "bfloat16" (float32 weights; no loss scaling is
      needed) or "float16" (float32 weights, dynamic loss scaling). SN, BN statistics, the
      losses and the optimizers' state are float32 in all three.
    xla: compile the per-replica step with XLA.
  """

  def __init__(self, config, strategy, seed=0, precision="float32", xla=False):
    if precision not in POLICIES:
      raise ValueError(f"precision must be one of {', '.join(POLICIES)}; got {precision!r}")
    self.config = config
    self.strategy = strategy
    self.global_batch_size = config.batch_size
    self.per_replica_batch_size = per_replica_batch_size(config.batch_size,
                                                        strategy.num_replicas_in_sync)
    replicas = strategy.num_replicas_in_sync
    for field in ("d_accumulations", "g_accumulations"):
      if self.per_replica_batch_size % getattr(config, field):
        raise ValueError(f"{field}={getattr(config, field)} splits each replica's batch of "
                         f"{self.per_replica_batch_size} ({config.batch_size} over {replicas} "
                         f"replicas) into equal micro-batches: use a batch_size divisible "
                         f"by {replicas * getattr(config, field)}")
    g_micro_batch = self.per_replica_batch_size // config.g_accumulations
    for weight, group, what in (("mode_seeking_weight", 2, "pairs"),
                                ("cdc_weight", CDC_GROUP_SIZE, f"groups of {CDC_GROUP_SIZE}")):
      if getattr(config, weight) and g_micro_batch % group:
        raise ValueError(f"{weight} takes the rows of each replica's G micro-batch in {what}, "
                         f"but it has {g_micro_batch} ({config.batch_size} over {replicas} "
                         f"replicas and {config.g_accumulations} accumulations): use a "
                         f"batch_size that makes it a multiple of {group}")
    self.precision = precision
    with strategy.scope(), dtype_policy(POLICIES[precision]):
      self.generator = Generator(config)
      self.discriminator = Discriminator(config)
      self.ema = GeneratorEMA(self.generator, config.ema_decay, config.ema_start_step)
      self.source_generator = (generator_copy(self.generator) if config.cdc_weight
                               else None)
      adam = dict(beta_1=config.adam_beta1, beta_2=config.adam_beta2,
                  epsilon=config.adam_epsilon)
      self.g_optimizer = keras.optimizers.Adam(config.g_lr, name="g_adam", **adam)
      self.d_optimizer = keras.optimizers.Adam(config.d_lr, name="d_adam", **adam)
      self.g_variables = trained_generator_variables(self.generator, config.g_trainable)
      self.d_variables = trained_discriminator_variables(self.discriminator,
                                                         config.freeze_d_blocks)
      self.g_optimizer.build(self.g_variables)
      self.d_optimizer.build(self.d_variables)
      self.lecam = LeCamAnchors(config.lecam_decay) if config.lecam_weight else None
      scaled = precision == "float16"
      self.d_loss_scale = DynamicLossScale("d") if scaled else None
      self.g_loss_scale = DynamicLossScale("g") if scaled else None
      only_first = tf.VariableAggregation.ONLY_FIRST_REPLICA
      self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step",
                              aggregation=only_first)
      self.seed = tf.Variable(seed, dtype=tf.int64, trainable=False, name="seed",
                              aggregation=only_first)
    trained = {id(v) for v in self.g_variables}
    self._ortho_kernels = [k for k in orthogonal_regularization_kernels(self.generator)
                           if id(k) in trained]
    self._replica_step_fn = (tf.function(self._replica_step, jit_compile=True) if xla
                             else self._replica_step)
    self._train_loop = tf.function(self._train_loop_fn)

  # Noise ---------------------------------------------------------------------------------

  def _key(self, step, update, purpose):
    key = tf.random.experimental.stateless_fold_in(
        tf.stack([self.seed.read_value(), tf.cast(step, tf.int64)]), update, alg=_ALG)
    return tf.random.experimental.stateless_fold_in(key, purpose, alg=_ALG)

  def fake_inputs(self, step, update, replica_id, paired=False):
    """This replica's rows of the global (z [B, dim_z], one-hot y [B, classes]) of a step;
    with `paired`, rows 2i and 2i + 1 share their class (for mode seeking)."""
    config, batch = self.config, self.per_replica_batch_size
    z = standard_normal([self.global_batch_size, config.dim_z], self._key(step, update, _Z))
    y = tf.random.stateless_uniform([self.global_batch_size], self._key(step, update, _Y),
                                    minval=0, maxval=config.num_classes, dtype=tf.int32,
                                    alg=_ALG)
    if paired:
      y = tf.repeat(y[::2], 2)
    start = replica_id * batch
    return z[start:start + batch], tf.one_hot(y[start:start + batch], config.num_classes)

  def _augment(self, images, step, update, stream):
    """DiffAugment of `images` with the draws of (step, update, stream); a stream is one
    micro-batch of one replica (`_stream`)."""
    if not self.config.diff_augment_ops:
      return images
    key = tf.random.experimental.stateless_fold_in(self._key(step, update, _AUGMENT), stream,
                                                   alg=_ALG)
    return diff_augment(images, self.config.diff_augment_ops, key)

  # The step ------------------------------------------------------------------------------

  def _average(self, per_example):
    return tf.nn.compute_average_loss(per_example, global_batch_size=self.global_batch_size)

  def _updated_lecam(self, real_logits, fake_logits):
    """LeCam's state after this D update and its anchors; the means are over the global
    batch (summed across replicas), so every replica computes the same anchors."""
    sums = tf.stack([tf.reduce_sum(real_logits), tf.reduce_sum(fake_logits)])
    sums = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM,
                                                          tf.stop_gradient(sums))
    means = sums / self.global_batch_size
    return self.lecam.updated(means[0], means[1])

  def _micro_batches(self, accumulations):
    """The row slices of this replica's batch that make its `accumulations` micro-batches."""
    size = self.per_replica_batch_size // accumulations
    return [slice(m * size, (m + 1) * size) for m in range(accumulations)]

  def _accumulated_gradients(self, accumulations, micro_loss, variables, loss_scale=None):
    """Gradients of the sum over micro-batches m of micro_loss(m)[0], and the micro-batches'
    other outputs.

    Each micro-batch's forward pass waits for the gradients of the one before, so that only
    one micro-batch's activations are alive at a time (the point of accumulating).

    Args:
      accumulations: number of micro-batches k.
      micro_loss: m -> (scalar loss of micro-batch m, its other outputs), traced under a
        tape.
      variables: the variables to differentiate.
      loss_scale: a `DynamicLossScale` (float16): the gradients are of the scaled losses.

    Returns:
      (gradients, one per variable, None where unconnected; [micro_loss(m)[1] for each m]).
    """
    total, outputs = None, []
    for m in range(accumulations):
      previous = [] if total is None else [g for g in total if g is not None]
      with tf.control_dependencies(previous), tf.GradientTape() as tape:
        loss, output = micro_loss(m)
        if loss_scale is not None:
          loss = loss_scale.scale_loss(loss)
      grads = tape.gradient(loss, variables)
      outputs.append(output)
      total = grads if total is None else [_add_gradients(a, b) for a, b in zip(total, grads)]
    return total, outputs

  def _stream(self, replica_id, accumulations, micro):
    """The index of a micro-batch of this replica among all of the step's (its DiffAugment
    draws); replica_id itself without accumulation."""
    return replica_id * accumulations + micro

  def _d_update(self, update, images, labels, step, replica_id):
    """D's update `update` of a step on this replica's real images [B, H, W, C] and labels [B].

    Returns this replica's shares of (D loss, R1, LeCam, sum of D(real) / global batch,
    sum of D(fake) / global batch, whether the update was skipped (float16) / replicas).
    """
    config, generator, discriminator = self.config, self.generator, self.discriminator
    k = config.d_accumulations
    z, y_fake = self.fake_inputs(step, update, replica_id)
    zero = tf.constant(0.0)

    def micro_loss(m):
      rows = self._micro_batches(k)[m]
      stream = self._stream(replica_id, k, m)
      fake = tf.stop_gradient(generator(z[rows], y_fake[rows], training=True))
      real, y_real = images[rows], tf.one_hot(labels[rows], config.num_classes)
      size = rows.stop - rows.start
      both = self._augment(tf.concat([real, tf.cast(fake, real.dtype)], 0), step, update,
                           stream)
      logits = tf.cast(discriminator(both, tf.concat([y_real, y_fake[rows]], 0),
                                     training=True), tf.float32)
      real_logits, fake_logits = logits[:size], logits[size:]
      d_loss = self._average(discriminator_loss(real_logits, fake_logits, config.loss))
      r1 = lecam = zero
      lecam_state = None
      if config.r1_gamma:
        r1 = self._average(r1_penalty(
            lambda x: discriminator(self._augment(x, step, update, stream), y_real,
                                    training=False), real, config.r1_gamma))
      if self.lecam is not None:  # Only with d_accumulations = 1 (the config checks).
        lecam_state, (anchor_real, anchor_fake) = self._updated_lecam(real_logits,
                                                                      fake_logits)
        lecam = config.lecam_weight * self._average(
            lecam_penalty(real_logits, fake_logits, anchor_real, anchor_fake))
      scale = 1.0 / self.global_batch_size
      return d_loss + r1 + lecam, (tf.stack([
          d_loss, r1, lecam, tf.reduce_sum(real_logits) * scale,
          tf.reduce_sum(fake_logits) * scale]), lecam_state)

    variables = self.d_variables
    grads, outputs = self._accumulated_gradients(k, micro_loss, variables, self.d_loss_scale)
    skipped = self._apply(self.d_optimizer, self.d_loss_scale, grads, variables)
    if self.lecam is not None:
      self.lecam.state.assign(outputs[0][1])
    return tf.concat([tf.add_n([shares for shares, _ in outputs]), [skipped]], 0)

  def _apply(self, optimizer, loss_scale, grads, variables):
    """Applies an update's gradients; returns this replica's share of whether it was skipped
    (the loss scale's overflow check; 0 without one)."""
    if loss_scale is None:
      optimizer.apply_gradients(zip(grads, variables))
      return tf.constant(0.0)
    num_replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    return loss_scale.apply(optimizer, grads, variables) / num_replicas

  def _generated(self, z, y):
    """(G's training-mode images of z [B, dim_z] and one-hot y [B, classes], the CDC penalty
    against the source G per group [B / CDC_GROUP_SIZE], or None without CDC)."""
    generator, source = self.generator, self.source_generator
    if source is None:
      return generator(z, y, training=True), None
    images, features = generator.synthesize(z, generator.shared_embedding(y), training=True,
                                            block_outputs=True)
    _, source_features = source.synthesize(z, source.shared_embedding(y), training=True,
                                           block_outputs=True)
    return images, cross_domain_correspondence_penalty(source_features, features)

  def _g_update(self, step, replica_id):
    """G's update of a step on this replica; returns its shares of (G loss, orthogonal
    penalty, mode-seeking penalty, CDC penalty, whether the update was skipped)."""
    config, discriminator = self.config, self.discriminator
    k, update = config.g_accumulations, config.d_steps
    paired = bool(config.mode_seeking_weight)
    z, y_fake = self.fake_inputs(step, update, replica_id, paired)
    zero = tf.constant(0.0)

    def micro_loss(m):
      rows = self._micro_batches(k)[m]
      fake, per_group = self._generated(z[rows], y_fake[rows])
      cdc = zero
      if per_group is not None:
        cdc = config.cdc_weight * tf.nn.compute_average_loss(
            per_group, global_batch_size=self.global_batch_size // CDC_GROUP_SIZE)
      mode_seeking = zero
      if paired:  # Rows (2i, 2i + 1) share a class within every micro-batch too.
        mode_seeking = config.mode_seeking_weight * tf.nn.compute_average_loss(
            mode_seeking_penalty(fake, z[rows]), global_batch_size=self.global_batch_size // 2)
      fake = self._augment(fake, step, update, self._stream(replica_id, k, m))
      fake_logits = tf.cast(discriminator(fake, y_fake[rows], training=True), tf.float32)
      g_loss = self._average(generator_loss(fake_logits, config.loss))
      ortho = zero
      if config.ortho_reg and m == 0:  # A term of the update, not of each micro-batch.
        num_replicas = tf.distribute.get_replica_context().num_replicas_in_sync
        ortho = orthogonal_regularization(self._ortho_kernels, config.ortho_reg) / num_replicas
      return g_loss + ortho + mode_seeking + cdc, tf.stack([g_loss, ortho, mode_seeking, cdc])

    variables = self.g_variables
    grads, outputs = self._accumulated_gradients(k, micro_loss, variables, self.g_loss_scale)
    skipped = self._apply(self.g_optimizer, self.g_loss_scale, grads, variables)
    return tf.concat([tf.add_n(outputs), [skipped]], 0)

  def _replica_step(self, images, labels, step, update_g=True):
    """One training step on this replica's batches: `d_steps` D updates, each on its own
    real batch, then one G update (none when `update_g` is False: the D warm-up). Returns
    this replica's share of METRICS [len] (G's are 0 without its update; the skipped
    counts are the step's overflowed float16 updates, D's summed over its d_steps)."""
    config, batch = self.config, self.per_replica_batch_size
    replica_id = tf.distribute.get_replica_context().replica_id_in_sync_group
    images = tf.reshape(images, [config.d_steps, batch] + images.shape[1:].as_list())
    labels = tf.reshape(labels, [config.d_steps, batch])
    d_shares = [self._d_update(update, images[update], labels[update], step, replica_id)
                for update in range(config.d_steps)]
    d_loss, r1, lecam = tf.unstack(tf.add_n(d_shares)[:3] / float(config.d_steps))
    d_real, d_fake = tf.unstack(d_shares[-1][3:5])
    d_skipped = tf.add_n([shares[5] for shares in d_shares])
    g_loss = ortho = mode_seeking = cdc = g_skipped = tf.constant(0.0)
    if update_g:
      g_loss, ortho, mode_seeking, cdc, g_skipped = tf.unstack(
          self._g_update(step, replica_id))
    # Shares whose sum over replicas is the global value (means over the global batch).
    return tf.stack([d_loss, g_loss, ortho, r1, lecam, mode_seeking, cdc, d_real, d_fake,
                     d_skipped, g_skipped])

  def g_learning_rate(self, step):
    """G's learning rate at step `step` (0-based, an int or scalar tensor): g_lr, ramped up
    linearly over g_lr_warmup_steps after the D warm-up."""
    config = self.config
    if not config.g_lr_warmup_steps:
      return tf.constant(config.g_lr, tf.float32)
    updates = tf.cast(step, tf.float32) - float(config.d_warmup_steps) + 1.0
    return config.g_lr * tf.clip_by_value(updates / config.g_lr_warmup_steps, 0.0, 1.0)

  def in_d_warmup(self, step):
    """Whether step `step` (0-based) is one of the D warm-up's, without a G update."""
    return step < self.config.d_warmup_steps

  def _train_loop_fn(self, iterator, num_steps, update_g):
    """Runs `num_steps` steps, with G's update or without (`update_g`, a Python bool);
    returns (mean METRICS [len], first non-finite step or -1)."""
    total = tf.zeros([len(METRICS)])
    first_bad = tf.constant(-1, tf.int64)
    for _ in tf.range(num_steps):
      images, labels = next(iterator)
      if update_g and self.config.g_lr_warmup_steps:
        self.g_optimizer.learning_rate.assign(self.g_learning_rate(self.step.read_value()))
      shares = self.strategy.run(self._replica_step_fn,
                                 args=(images, labels, self.step.read_value(), update_g))
      metrics = self.strategy.reduce(tf.distribute.ReduceOp.SUM, shares, axis=None)
      finite = tf.reduce_all(tf.math.is_finite(metrics))
      first_bad = tf.where((first_bad < 0) & tf.logical_not(finite), self.step.read_value(),
                           first_bad)
      self.step.assign_add(1)
      self.ema.update(self.step.read_value())
      total += metrics
    return total / tf.cast(num_steps, tf.float32), first_bad

  def train(self, iterator, num_steps):
    """Runs `num_steps` training steps from a distributed iterator: the D warm-up's among
    them, then the rest (one traced function for each kind).

    Returns:
      (dict of METRICS averaged over the steps, first step whose metrics were not finite,
       or -1).
    """
    step = int(self.step.numpy())
    warmup = min(max(self.config.d_warmup_steps - step, 0), num_steps)
    parts = [(n, update_g) for n, update_g in ((warmup, False), (num_steps - warmup, True))
             if n]
    total, first_bad = 0.0, -1
    for n, update_g in parts:
      values, bad = self._train_loop(iterator, tf.constant(n, tf.int64), update_g)
      total += values.numpy() * (n / num_steps)
      first_bad = int(bad) if first_bad < 0 else first_bad
    return dict(zip(METRICS, [float(v) for v in total])), first_bad
