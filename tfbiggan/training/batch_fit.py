"""The gradient accumulation that fits a config's global batch on the devices at hand.

`fit_accumulations(config, strategy)` tries one training step at the config's global batch
with k = 1 accumulation, then with more (each k splits every replica's batch into k equal
micro-batches, BigGAN-PyTorch's --num_D_accumulations / --num_G_accumulations), and returns
the config with the first k whose step ran. A step that does not fit ends in TensorFlow's
ResourceExhaustedError: on a TPU when XLA compiles the step, on a GPU when it allocates.
Trying is what settles it: the activation memory a CPU measures (docs/training-at-scale.md)
is not what XLA plans on a TPU or GPU.

The step tried is a real one, on random images, with a Trainer that is then dropped: the
run's own Trainer starts from its own initial weights.
"""

import gc

from absl import logging
import tensorflow as tf

from tfbiggan.data.pipeline import per_replica_batch_size
from tfbiggan.training.trainer import Trainer


def accumulation_candidates(batch_size, num_replicas):
  """The accumulations worth trying for `batch_size` over `num_replicas`, ascending: 1, then
  each next divisor of the per-replica batch at least twice the one before, so that at most
  about log2(per-replica batch) steps are tried; the last is a micro-batch of one image."""
  share = per_replica_batch_size(batch_size, num_replicas)
  candidates = [1]
  while candidates[-1] < share:
    candidates.append(next(k for k in range(2 * candidates[-1], share + 1) if share % k == 0))
  return candidates


def _random_batches(config, strategy):
  """A distributed iterator of random images in [-1, 1] and labels, each element the batch of
  one training step (d_steps D batches)."""
  shape = [config.d_steps * config.batch_size, config.resolution, config.resolution, 3]
  # Drawn in the pipeline, not held as a constant: 2048 images at 512 px are 6 GiB, over a
  # graph's 2 GiB limit.
  dataset = tf.data.Dataset.range(1).repeat().map(
      lambda i: (tf.random.stateless_uniform(shape, [0, i], -1.0, 1.0),
                 tf.cast(tf.range(shape[0]) % config.num_classes, tf.int32)))
  return iter(strategy.experimental_distribute_dataset(dataset))


def try_training_step(config, strategy, precision="float32", xla=False):
  """Builds a Trainer for `config` and runs one training step (D and G updates) on random
  images; raises what the step raises (ResourceExhaustedError when it does not fit)."""
  # Without the D warm-up of a fresh-D fine-tune, so that the step tried holds G's update.
  trainer = Trainer(config.replace(d_warmup_steps=0), strategy, seed=0, precision=precision,
                    xla=xla)
  try:  # Random images may make any loss: only whether the step runs matters here.
    trainer.train(_random_batches(config, strategy), 1)
  finally:
    del trainer
    gc.collect()  # Frees the tried step's variables before the next try (or the run).


def fit_accumulations(config, strategy, precision="float32", xla=False,
                      try_step=try_training_step):
  """`config` with d_accumulations = g_accumulations = the smallest k of
  `accumulation_candidates` whose training step fits on `strategy`'s devices.

  Args:
    config: the run's `BigGANConfig`; its batch_size is the global batch, kept as it is.
    strategy: the run's tf.distribute strategy (its replicas share the batch).
    precision, xla: as the run will train (they change the memory a step takes).
    try_step: `(config, strategy, precision, xla) -> None`, raising
      tf.errors.ResourceExhaustedError when the step does not fit (a real step by default).

  Returns:
    The config with both accumulations set (unchanged when k = 1 fits).

  Raises:
    ValueError: when not even a micro-batch of one image fits, the batch does not split over
      the replicas, or the strategy has several workers (each would try on its own).
  """
  if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
    raise ValueError("fitting the accumulations tries steps on one host; with several "
                     "workers pass --d_accumulations and --g_accumulations")
  replicas = strategy.num_replicas_in_sync
  share = per_replica_batch_size(config.batch_size, replicas)
  not_allowed = {}
  for k in accumulation_candidates(config.batch_size, replicas):
    try:
      candidate = config.replace(d_accumulations=k, g_accumulations=k)
    except ValueError as error:  # LeCam needs k = 1; mode seeking an even micro-batch.
      not_allowed[k] = str(error)
      logging.info("accumulations %d: %s; trying more", k, error)
      continue
    try:
      try_step(candidate, strategy, precision, xla)
    except tf.errors.ResourceExhaustedError as error:
      logging.info("accumulations %d (micro-batch %d) does not fit: %s", k, share // k,
                   str(error).splitlines()[0][:200])
      continue
    logging.info("%s: global batch %d on %d replica(s) is %d per replica, in %d micro-batch(es) "
                 "of %d (d_accumulations = g_accumulations = %d)", config.name,
                 config.batch_size, replicas, share, k, share // k, k)
    return candidate
  if not_allowed:
    raise ValueError(
        f"{config.name}: no allowed accumulation fits a training step on each of the "
        f"{replicas} replica(s) ({precision}); the config rules out k = "
        f"{', '.join(map(str, not_allowed))}: {next(iter(not_allowed.values()))}")
  raise ValueError(
      f"{config.name}: not even a micro-batch of one image fits a training step on each of "
      f"the {replicas} replica(s) ({precision}); use more devices, --precision=bfloat16 (or "
      "float16 on a GPU without bfloat16), or a smaller model")
