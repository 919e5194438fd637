"""Test set-up: logical CPU devices for multi-replica tests, the slow-test tier, and no
silent skips in CI.

TensorFlow's CPU is split into NUM_LOGICAL_CPUS logical devices before anything else
initialises the runtime, so MirroredStrategy tests with 2 and 4 replicas run anywhere.
Each test run has its own module cache ($TFHUB_CACHE_DIR), shared by its workers. Under
CI=true a test that skips for any reason but the slow tier (a missing test dependency such as
torch or nbclient, a missing tool such as buildifier) fails instead: CI installs all of them,
so a skip there means a check silently stopped running.
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


# The slowest test files first (from `--durations`), so that pytest-xdist's file-by-file
# scheduling (scripts/test.sh: --dist loadfile --no-loadscope-reorder) starts them at once
# instead of leaving a long one for the end while the other worker idles. A stale order
# costs only time.
SLOWEST_FILES_FIRST = (
    "test_docs_run.py", "test_module_resolver.py", "test_trainer.py", "test_fine_tuning.py",
    "test_converter.py", "test_train_loop.py", "test_training_step.py", "test_projection.py",
    "test_best_checkpoints.py", "test_bucket_paths.py", "test_exporter.py",
    "test_evaluate.py", "test_multi_worker.py", "test_notebooks.py", "test_generator.py",
    "test_demo.py", "test_explorer.py", "test_collapse_watch.py")


def pytest_collection_modifyitems(config, items):
  rank = {name: i for i, name in enumerate(SLOWEST_FILES_FIRST)}
  items[:] = sorted(items, key=lambda item: rank.get(os.path.basename(str(item.fspath)),
                                                     len(rank)))
  if config.getoption("--run-slow"):
    for item in items:  # Full-width models and demo-length runs: past pytest.ini's timeout.
      if "slow" in item.keywords:
        item.add_marker(pytest.mark.timeout(7200))
    return
  skip = pytest.mark.skip(reason="slow: run with --run-slow")
  for item in items:
    if "slow" in item.keywords:
      item.add_marker(skip)


def _fail_a_skip_under_ci(report):
  reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
  report.outcome = "failed"
  report.longrepr = (f"skipped under CI=true ({reason}); CI must have every test "
                     "dependency and tool: see scripts/test.sh and setup.py's test extra")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
  outcome = yield
  report = outcome.get_result()
  if (os.environ.get("CI") == "true" and report.skipped and "slow" not in item.keywords
      and not item.get_closest_marker("skip")):
    _fail_a_skip_under_ci(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
  """A whole file skipped while it is collected (a module-level `importorskip`) fails too."""
  outcome = yield
  report = outcome.get_result()
  if os.environ.get("CI") == "true" and report.skipped:
    _fail_a_skip_under_ci(report)


@pytest.fixture(scope="session", autouse=True)
def _module_cache(tmp_path_factory):
  """A module cache of the test run's own ($TFHUB_CACHE_DIR), so that no test reads or
  writes the user's, and no official stand-in is mistaken for the real module. The xdist
  workers of one run share it, so that what it caches (the digits judge, about 30 s to
  train) is made once; its entries are atomic. A test that needs an empty cache sets its own."""
  root = tmp_path_factory.getbasetemp()
  if os.environ.get("PYTEST_XDIST_WORKER"):
    root = root.parent  # The run's folder, above each worker's.
  os.environ["TFHUB_CACHE_DIR"] = str(root / "module_cache")
  os.environ.pop("TFBIGGAN_HUB_URL", None)


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


@pytest.fixture(scope="session")
def random_digits_module(tmp_path_factory):
  """A digits-32 generator module with random (seeded) weights, exported once per session."""
  # pylint: disable=import-outside-toplevel
  import keras
  import tfbiggan
  from tfbiggan_export.exporter import export_generator
  path = str(tmp_path_factory.mktemp("modules") / "digits")
  keras.utils.set_random_seed(5)
  export_generator(tfbiggan.Generator("digits-32"), path)
  return path
