"""Benchmark: images/s of BigGAN's full training step, with XLA against without (baseline).

One training step = `d_steps` D updates + one G update + the EMA update, on a global batch
(`--batch_size` images per update), run by `Trainer` under the machine's strategy on
synthetic data (the input pipeline is not timed). images/s counts the G-update batch per
step, the usual convention. With --peak_tflops (e.g. 989 for an H100's dense bf16), model
FLOP utilisation is printed too: FLOPs of one step counted from the traced step graph by TF's
profiler (forward and backward convolutions and matmuls), divided by step time and peak.

  python benchmarks/train_step_throughput.py                     # biggan-32, batch 50, CPU
  python benchmarks/train_step_throughput.py --config=biggan-128 --batch_size=256 \\
      --precision=bfloat16 --peak_tflops=989 --steps=20              # on a GPU
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

import machine  # noqa: E402  pylint: disable=wrong-import-position
from flops import step_flops  # noqa: E402
from tfbiggan.training.options import TRAINING_PRECISIONS  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "biggan-32", "Preset to time.")
flags.DEFINE_integer("batch_size", 50, "Global batch of each D and G update.", lower_bound=1)
flags.DEFINE_integer("d_steps", 2, "D updates per step.", lower_bound=1)
flags.DEFINE_integer("steps", 5, "Timed steps after one warm-up call.", lower_bound=1)
flags.DEFINE_enum("precision", "float32", TRAINING_PRECISIONS, "Compute dtype (float32 "
                  "weights in all three; float16 with dynamic loss scaling).")
flags.DEFINE_float("peak_tflops", None, "Accelerator peak TFLOP/s, for model FLOP utilisation.")
flags.DEFINE_bool("skip_baseline", False, "Time only the XLA step.")


def _time_steps(trainer, dataset, steps):
  iterator = iter(dataset)
  trainer.train(iterator, 1)  # Trace / compile.
  start = time.perf_counter()
  trainer.train(iterator, steps)
  return (time.perf_counter() - start) / steps


def main(argv):
  del argv
  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  import tensorflow as tf  # pylint: disable=import-outside-toplevel

  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.distribute.strategy import resolve_strategy  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.trainer import Trainer  # pylint: disable=import-outside-toplevel
  if FLAGS.config not in tfbiggan.list_configs():
    raise app.UsageError(f"unknown --config {FLAGS.config}; known: {tfbiggan.list_configs()}")
  config = tfbiggan.get_config(FLAGS.config, batch_size=FLAGS.batch_size,
                               d_steps=FLAGS.d_steps, initializer="normal")
  strategy = resolve_strategy()
  per_replica = config.batch_size // strategy.num_replicas_in_sync
  shape = [config.d_steps * per_replica, config.resolution, config.resolution, 3]

  def dataset_fn(context):
    del context
    images = tf.random.uniform(shape, -1.0, 1.0, seed=0)
    labels = tf.range(shape[0]) % config.num_classes
    return tf.data.Dataset.from_tensors((images, labels)).repeat()
  dataset = strategy.distribute_datasets_from_function(dataset_fn)

  devices = ", ".join(sorted({d.device_type for d in tf.config.list_logical_devices()}))
  precision = FLAGS.precision
  print(f"{config.name} train step: global batch {config.batch_size}, {config.d_steps} D "
        f"steps + 1 G step, {precision}, {strategy.num_replicas_in_sync} replica(s) on "
        f"{devices}")
  results = {}
  for xla in ([True] if FLAGS.skip_baseline else [False, True]):
    trainer = Trainer(config, strategy, precision=FLAGS.precision, xla=xla)
    seconds = _time_steps(trainer, dataset, FLAGS.steps)
    results[xla] = seconds
    label = "XLA" if xla else "tf.function (baseline)"
    line = f"  {label:24s} {config.batch_size / seconds:9.2f} images/s ({seconds:.3f} s/step)"
    if FLAGS.peak_tflops:
      images, labels = (trainer.strategy.experimental_local_results(t)[0]
                        for t in next(iter(dataset)))
      flops = step_flops(trainer, images, labels) * strategy.num_replicas_in_sync
      line += (f", {flops / 1e12:.2f} TFLOP/step, MFU "
               f"{flops / seconds / (FLAGS.peak_tflops * 1e12):.1%}")
    print(line, flush=True)
  if len(results) == 2:
    print(f"  XLA / baseline: x{results[False] / results[True]:.2f}")
  return 0


if __name__ == "__main__":
  app.run(main)
