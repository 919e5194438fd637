"""`resolve_strategy`: the one place that picks the tf.distribute strategy.

  --tpu given                 TPUClusterResolver -> TPUStrategy ("local" for a Colab / TPU VM)
  TF_CONFIG with >1 worker    MultiWorkerMirroredStrategy (collectives over the cluster)
  more than one GPU           MirroredStrategy over all of them
  otherwise                   OneDeviceStrategy on the GPU or the CPU

All of them run the same training code: `strategy.run` of the per-replica step inside a
tf.function, with batches from `distribute_datasets_from_function`.
"""

import json
import os

from absl import logging
import tensorflow as tf


def _tf_config_workers():
  try:
    config = json.loads(os.environ.get("TF_CONFIG", "") or "{}")
  except json.JSONDecodeError as error:
    raise ValueError(f"TF_CONFIG is not valid JSON ({error}); see "
                     "https://www.tensorflow.org/guide/distributed_training#TF_CONFIG") from None
  cluster = config.get("cluster", {})
  return len(cluster.get("worker", [])) + len(cluster.get("chief", []))


def resolve_strategy(tpu=None, devices=None):
  """The strategy for this process (see the module docstring).

  Args:
    tpu: TPU name or address for TPUClusterResolver ("local" on a TPU VM, "" on Colab), or
      None for no TPU.
    devices: optional explicit device list for a MirroredStrategy (e.g. ["/cpu:0",
      "/cpu:1"] with logical CPU devices); overrides the GPU/CPU choice.
  """
  if tpu is not None:
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    strategy = tf.distribute.TPUStrategy(resolver)
  elif _tf_config_workers() > 1:
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
  elif devices:
    strategy = tf.distribute.MirroredStrategy(devices)
  else:
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
      strategy = tf.distribute.MirroredStrategy()
    else:
      strategy = tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
  logging.info("strategy %s with %d replica(s)", type(strategy).__name__,
               strategy.num_replicas_in_sync)
  return strategy


def is_chief(strategy):
  """Whether this process writes checkpoints, summaries and images (worker 0 / the chief)."""
  resolver = getattr(strategy, "cluster_resolver", None)
  if resolver is None or not resolver.task_type:
    return True
  if resolver.task_type == "chief":
    return True
  has_chief = "chief" in resolver.cluster_spec().as_dict()
  return resolver.task_type == "worker" and resolver.task_id == 0 and not has_chief
