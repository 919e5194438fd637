"""Inference over a batch split across a strategy's replicas.

`split_across_replicas(fn, strategy)` turns a batch function (tensors with a leading batch
axis -> a nested structure of such tensors) into a host function on numpy arrays: the batch
is padded to a multiple of the local replicas (the last row repeated), each replica runs `fn`
on its own contiguous rows inside `strategy.run`, and the outputs come back in row order,
trimmed to the input's size.

Only this process's replicas take part and no collective op is issued, so one worker of a
MultiWorkerMirroredStrategy (the chief evaluating during training) can call it alone. `fn`
must therefore not reduce across replicas: inference only (BN on its stored statistics).
Variables that `fn` reads should be created under `strategy.scope()`; a SavedModel loaded
under the scope can only be called this way (inside a replica context).
"""

import numpy as np
import tensorflow as tf


def split_across_replicas(fn, strategy=None):
  """A host function `call(*arrays)` -> `fn`'s nested outputs as numpy arrays (see the
  module docstring). `fn` takes as many tensors as `call` gets arrays, all [B, ...]."""
  replicas = len(strategy.extended.worker_devices) if strategy else 1  # This process's.
  if strategy is None:
    run_fn = tf.function(fn)
  else:
    @tf.function
    def run_fn(*per_replica):
      outputs = strategy.run(fn, args=per_replica)
      return [tf.nest.map_structure(lambda v, i=i: strategy.experimental_local_results(v)[i],
                                    outputs) for i in range(replicas)]

  def call(*arrays):
    arrays = [np.asarray(a) for a in arrays]
    size = len(arrays[0])
    if not size or any(len(a) != size for a in arrays):
      raise ValueError(f"the arrays must share a non-empty batch axis, got sizes "
                       f"{[len(a) for a in arrays]}")
    if strategy is None:
      return tf.nest.map_structure(lambda t: t.numpy(), run_fn(*map(tf.constant, arrays)))
    pad = -size % replicas
    if pad:
      arrays = [np.concatenate([a, np.repeat(a[-1:], pad, 0)]) for a in arrays]
    rows = len(arrays[0]) // replicas

    def rows_of(array):
      # Global replica ids of a multi-worker strategy run over the workers; this process's
      # replicas are the ids modulo its replica count.
      return strategy.experimental_distribute_values_from_function(
          lambda context: tf.constant(
              array[context.replica_id_in_sync_group % replicas * rows:][:rows]))

    outputs = run_fn(*map(rows_of, arrays))
    return tf.nest.map_structure(
        lambda *parts: np.concatenate([p.numpy() for p in parts])[:size], *outputs)

  return call
