"""Per-replica training batches whose content is a function of the training step.

Every training step makes `d_steps` D updates, each on a fresh global batch of real images,
so one step reads `d_steps * global_batch_size` examples. Each replica receives one element
per step: (images float32 [d_steps * b, R, R, 3], labels int32 [d_steps * b]) with b the
per-replica batch, sub-step major (rows k*b .. (k+1)*b - 1 feed D update k).

`IndexedSource`: the global stream is a fresh permutation of the data set per epoch
(stateless, from `seed` and the epoch); global step s covers positions
[s * d_steps * B, (s + 1) * d_steps * B) of that stream and replica r takes rows
r*b .. (r+1)*b - 1 of each sub-step's global batch. The global batch is therefore the same on
1, 2 or 4 replicas and on any number of hosts, and a run resumed at step s reads exactly
what the uninterrupted run read.

`StreamingSource`: each host reads its own even part of the split, shuffled with a buffer
and a seed per (epoch, host); a resumed run skips to its step's position in that stream
(reading, not decoding, the skipped records of the current epoch). The data order is a
function of the step for a fixed number of hosts.

Replicas of host h are taken to be h*L .. (h+1)*L - 1 (L replicas per host), the order of
MultiWorkerMirroredStrategy and TPUStrategy.
"""

import tensorflow as tf

from tfbiggan.data.source import IndexedSource, StreamingSource

_INT64_MAX = 2**63 - 1


def per_replica_batch_size(global_batch_size, num_replicas):
  """The per-replica batch, or a ValueError naming both numbers when they do not divide."""
  if global_batch_size < 1 or global_batch_size % num_replicas:
    raise ValueError(
        f"the global batch size {global_batch_size} cannot be split evenly over "
        f"{num_replicas} replicas; use a multiple of {num_replicas} (--batch_size)")
  return global_batch_size // num_replicas


def epoch_permutation(epoch, num_examples, seed):
  """A permutation of range(num_examples) [int32] drawn from (seed, epoch), stateless."""
  key = tf.stack([tf.cast(seed, tf.int64), tf.cast(epoch, tf.int64)])
  return tf.argsort(tf.random.stateless_uniform([num_examples], seed=key), stable=True)


def _indexed_host_dataset(source, host_id, replicas_per_host, num_replicas, batch, d_steps,
                          start_step, seed):
  per_step = d_steps * num_replicas * batch
  start_epoch, offset = divmod(start_step * per_step, source.num_examples)
  indices = tf.data.Dataset.range(start_epoch, _INT64_MAX).flat_map(
      lambda epoch: tf.data.Dataset.from_tensor_slices(
          epoch_permutation(epoch, source.num_examples, seed)))
  indices = indices.skip(offset).batch(per_step, drop_remainder=True)

  def this_hosts_rows(step_indices):  # [d * R * b] -> [L * d * b], replica-major.
    rows = tf.reshape(step_indices, [d_steps, num_replicas, batch])
    rows = rows[:, host_id * replicas_per_host:(host_id + 1) * replicas_per_host]
    return tf.reshape(tf.transpose(rows, [1, 0, 2]), [-1])

  indices = indices.map(this_hosts_rows).unbatch()
  examples = indices.map(source.element, num_parallel_calls=tf.data.AUTOTUNE,
                         deterministic=True)
  return examples.batch(d_steps * batch, drop_remainder=True)


def _streaming_host_dataset(source, host_id, num_hosts, replicas_per_host, batch, d_steps,
                            start_step, seed, shuffle_buffer):
  records, num_records = source.host_dataset(host_id, num_hosts)
  if num_records < 1:
    raise ValueError(f"{source.name} split {source.split!r} has no examples for host "
                     f"{host_id} of {num_hosts}")
  per_step = replicas_per_host * d_steps * batch
  start_epoch, offset = divmod(start_step * per_step, num_records)

  def epoch_stream(epoch):
    epoch_seed = tf.random.experimental.stateless_fold_in(
        tf.stack([tf.cast(seed, tf.int64), tf.cast(host_id, tf.int64)]), epoch)
    return records.shuffle(shuffle_buffer, seed=epoch_seed[0],
                           reshuffle_each_iteration=False)

  stream = tf.data.Dataset.range(start_epoch, _INT64_MAX).flat_map(epoch_stream)
  examples = stream.skip(offset).map(source.decode, num_parallel_calls=tf.data.AUTOTUNE,
                                     deterministic=True)
  return examples.batch(d_steps * batch, drop_remainder=True)


def host_dataset(source, input_context, global_batch_size, d_steps=1, start_step=0, seed=0,
                 shuffle_buffer=10000):
  """The dataset of one input pipeline (host), one element per local replica and step."""
  num_replicas = input_context.num_replicas_in_sync
  num_hosts = input_context.num_input_pipelines
  host_id = input_context.input_pipeline_id
  batch = per_replica_batch_size(global_batch_size, num_replicas)
  if num_replicas % num_hosts:
    raise ValueError(f"{num_replicas} replicas cannot be spread evenly over {num_hosts} hosts")
  replicas_per_host = num_replicas // num_hosts
  if isinstance(source, IndexedSource):
    dataset = _indexed_host_dataset(source, host_id, replicas_per_host, num_replicas, batch,
                                    d_steps, start_step, seed)
  elif isinstance(source, StreamingSource):
    dataset = _streaming_host_dataset(source, host_id, num_hosts, replicas_per_host, batch,
                                      d_steps, start_step, seed, shuffle_buffer)
  else:
    raise TypeError(f"not a data source: {source!r}")
  options = tf.data.Options()
  options.deterministic = True
  return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def distributed_dataset(strategy, source, global_batch_size, d_steps=1, start_step=0, seed=0,
                        shuffle_buffer=10000):
  """Per-replica (images [d_steps * b, R, R, 3], labels [d_steps * b]) for step start_step on.

  Raises:
    ValueError: before anything starts, when the global batch does not split over the
      strategy's replicas.
  """
  per_replica_batch_size(global_batch_size, strategy.num_replicas_in_sync)
  return strategy.distribute_datasets_from_function(
      lambda context: host_dataset(source, context, global_batch_size, d_steps, start_step,
                                   seed, shuffle_buffer))


def evaluation_dataset(source, batch_size, max_examples=None):
  """The source's first `max_examples` examples in their fixed order, unshuffled, as batches
  (images [B, R, R, 3] in [-1, 1], labels [B]) on one host: reference statistics for
  evaluation."""
  count = source.num_examples if max_examples is None else min(source.num_examples,
                                                                max_examples)
  if isinstance(source, IndexedSource):
    dataset = tf.data.Dataset.range(count).map(source.element,
                                                 num_parallel_calls=tf.data.AUTOTUNE)
  elif isinstance(source, StreamingSource):
    raw, _ = source.host_dataset(0, 1)
    dataset = raw.take(count).map(source.decode, num_parallel_calls=tf.data.AUTOTUNE)
  else:
    raise TypeError(f"unknown source type {type(source).__name__}")
  return dataset.batch(batch_size)
