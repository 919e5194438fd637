"""Benchmark: generator inference images/s with XLA against plain tf.function (baseline).

Builds a preset's generator (random weights), then times `generator(z, y)` at a fixed batch
size: compiled with XLA (jit_compile=True) and, as the baseline in the same run, as a plain
tf.function. Prints images/s of each and their ratio.

  python benchmarks/generator_throughput.py --config=biggan-deep-128 --batch_size=8
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

import machine  # noqa: E402  pylint: disable=wrong-import-position

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "biggan-deep-128", "Preset to time.")
flags.DEFINE_integer("batch_size", 8, "Images per call.", lower_bound=1)
flags.DEFINE_integer("calls", 5, "Timed calls after one warm-up call.", lower_bound=1)
flags.DEFINE_enum("dtype", "float32", ["float32", "mixed_bfloat16"], "Dtype policy.")


def _images_per_second(fn, z, y, calls):
  fn(z, y).numpy()  # trace / compile
  start = time.perf_counter()
  for _ in range(calls):
    fn(z, y).numpy()
  return calls * int(z.shape[0]) / (time.perf_counter() - start)


def main(argv):
  del argv
  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  import numpy as np
  import tensorflow as tf

  import tfbiggan
  if FLAGS.config not in tfbiggan.list_configs():
    raise app.UsageError(f"unknown --config {FLAGS.config}; known: {tfbiggan.list_configs()}")
  config = tfbiggan.get_config(FLAGS.config, initializer="normal")
  generator = tfbiggan.Generator(config, dtype=FLAGS.dtype)
  z = tf.constant(tfbiggan.truncated_noise(FLAGS.batch_size, config.dim_z, 0.5, seed=0))
  y = tf.one_hot(np.arange(FLAGS.batch_size) % config.num_classes, config.num_classes)
  call = lambda a, b: generator(a, b, training=False)
  baseline = _images_per_second(tf.function(call), z, y, FLAGS.calls)
  xla = _images_per_second(tf.function(call, jit_compile=True), z, y, FLAGS.calls)
  devices = ", ".join(d.device_type for d in tf.config.list_logical_devices())
  print(f"{config.name} G inference, batch {FLAGS.batch_size}, {FLAGS.dtype}, on {devices}")
  print(f"  tf.function (baseline): {baseline:8.2f} images/s")
  print(f"  XLA jit_compile:        {xla:8.2f} images/s   ratio {xla / baseline:.2f}")


if __name__ == "__main__":
  app.run(main)
