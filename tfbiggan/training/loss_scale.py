"""Dynamic loss scaling for float16 training (Micikevicius et al., "Mixed Precision Training",
ICLR 2018, §3.3).

float16 keeps 5 bits of exponent: gradients below about 6e-8 flush to zero. So the loss is
multiplied by a scale S before the backward pass and the gradients divided by S before the
update. S is dynamic: an update whose gradients hold an Inf or NaN (S too large) is skipped,
not applied, and S halves; after `growth_interval` applied updates in a row S doubles. These
are the defaults of Keras' `LossScaleOptimizer` and PyTorch's `GradScaler`: S starts at 2^15,
grows every 2,000 updates. bfloat16 has float32's exponent and needs none of this.

Keras' `LossScaleOptimizer` decides per replica whether an update is finite, on the
replica's own gradients; our replicas sum their gradients inside the optimizer, so one
replica may overflow while another does not. Here every replica first agrees (an all-reduce
of the count of non-finite entries), then all apply or all skip.
"""

import tensorflow as tf

INITIAL_SCALE = 2.0 ** 15
GROWTH_INTERVAL = 2000


def _apply_if(finite, optimizer, grads, variables):
  """optimizer.apply_gradients(zip(grads, variables)) on every replica when `finite` (the same
  on every replica), else nothing: not even Adam's moments or iteration count move.

  Strategies that synchronise through `merge_call` (Mirrored on CPUs, MultiWorker) allow no
  `merge_call` inside a `cond` in replica context, and the optimizer's update makes one: there
  the cond runs in cross-replica context, as Keras' LossScaleOptimizer does.
  """
  def apply(replica_grads):
    optimizer.apply_gradients(zip(replica_grads, variables))

  def skip():  # The branches of a cond return alike: nothing.
    return None

  if tf.__internal__.distribute.strategy_supports_no_merge_call():
    tf.cond(finite, lambda: apply(grads), skip)
    return

  def cross_replica(strategy, finite, grads):
    # `finite` is one value on every replica (all-reduced): take the first.
    first = strategy.experimental_local_results(finite)[0]
    tf.cond(first, lambda: strategy.extended.call_for_each_replica(apply, args=(grads,)),
            skip)

  tf.distribute.get_replica_context().merge_call(cross_replica, args=(finite, grads))


class DynamicLossScale:
  """One optimizer's loss scale S, created under the strategy's scope.

  Attributes:
    scale: float32 variable, S.
    good_updates: int64 variable, the updates applied since S last changed.
    skipped: int64 variable, the updates skipped so far.

  Args:
    name: a prefix for the variables' names ("d", "g").
    initial_scale, growth_interval: S at the start, and after how many applied updates in a
      row it doubles.
  """

  def __init__(self, name, initial_scale=INITIAL_SCALE, growth_interval=GROWTH_INTERVAL):
    self.growth_interval = growth_interval
    # Every replica computes the same new values (`apply` agrees on finiteness first).
    only_first = tf.VariableAggregation.ONLY_FIRST_REPLICA
    self.scale = tf.Variable(initial_scale, dtype=tf.float32, trainable=False,
                             name=f"{name}_loss_scale", aggregation=only_first)
    self.good_updates = tf.Variable(0, dtype=tf.int64, trainable=False,
                                    name=f"{name}_loss_scale_good_updates",
                                    aggregation=only_first)
    self.skipped = tf.Variable(0, dtype=tf.int64, trainable=False,
                               name=f"{name}_skipped_updates", aggregation=only_first)

  def scale_loss(self, loss):
    """loss * S (a float32 scalar)."""
    return loss * self.scale

  def apply(self, optimizer, grads, variables):
    """Unscales the gradients of a scaled loss and applies them, or skips the update when any
    replica's hold an Inf or NaN; then updates S. Called in replica context.

    Args:
      optimizer: a Keras optimizer built for `variables`.
      grads: this replica's gradients of `scale_loss(loss)`, one per variable (None:
        unconnected).
      variables: the variables.

    Returns: float32 scalar, 1 when the update was skipped, else 0.
    """
    inverse = 1.0 / self.scale
    grads = [None if g is None else tf.convert_to_tensor(g) * inverse for g in grads]
    bad = tf.add_n([tf.reduce_sum(tf.cast(tf.logical_not(tf.math.is_finite(g)), tf.float32))
                    for g in grads if g is not None])
    bad = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, bad)
    finite = tf.equal(bad, 0.0)
    _apply_if(finite, optimizer, grads, variables)
    grow = finite & (self.good_updates + 1 >= self.growth_interval)
    self.scale.assign(tf.where(finite, tf.where(grow, self.scale * 2.0, self.scale),
                               self.scale * 0.5))
    self.good_updates.assign(tf.where(finite & tf.logical_not(grow),
                                      self.good_updates + 1, tf.constant(0, tf.int64)))
    self.skipped.assign_add(tf.where(finite, tf.constant(0, tf.int64),
                                     tf.constant(1, tf.int64)))
    return 1.0 - tf.cast(finite, tf.float32)
