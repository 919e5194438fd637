"""Test set-up: logical CPU devices for multi-replica tests, and the slow-test tier.

TensorFlow's CPU is split into NUM_LOGICAL_CPUS logical devices before anything else
initialises the runtime, so MirroredStrategy tests with 2 and 4 replicas run anywhere.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

NUM_LOGICAL_CPUS = 4

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration() for _ in range(NUM_LOGICAL_CPUS)])


def pytest_addoption(parser):
  parser.addoption("--run-slow", action="store_true", default=False,
                   help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
  if config.getoption("--run-slow"):
    return
  skip = pytest.mark.skip(reason="slow: run with --run-slow")
  for item in items:
    if "slow" in item.keywords:
      item.add_marker(skip)


@pytest.fixture(autouse=True)
def _float32_policy_and_seed():
  """Every test starts from the float32 policy and a fixed seed."""
  import keras
  keras.mixed_precision.set_global_policy("float32")
  keras.utils.set_random_seed(1234)
  yield
  keras.mixed_precision.set_global_policy("float32")


def mirrored_cpu_strategy(num_replicas):
  """A MirroredStrategy over `num_replicas` logical CPUs.

  Reductions go through one device instead of collective ops: strategies of different
  sizes created in one process share collective group keys and then abort ("is joining a
  group with size 4, but that group has size 2", tensorflow/tensorflow#61314).
  """
  devices = [f"/cpu:{i}" for i in range(num_replicas)]
  return tf.distribute.MirroredStrategy(
      devices, cross_device_ops=tf.distribute.ReductionToOneDevice())
