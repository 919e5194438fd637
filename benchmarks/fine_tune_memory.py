"""Memory of a fine-tuning step: peak resident memory of biggan-deep-128 training, per batch.

Each batch size runs in its own process (peak memory is per process): it builds the
`Trainer` (G, D, EMA G, both Adams), runs 2 training steps (1 D step + 1 G step, as
docs/fine-tuning.md recommends) on synthetic images, and reports the process's peak resident
memory. The baseline measured beside it is the same process before the first step (weights,
EMA and optimizer slots only); the difference is what the batch costs, and its slope per
image gives the memory of any batch size. On CPU this is host memory; on a GPU the same
tensors live in device memory (plus the framework's workspace).

  python benchmarks/fine_tune_memory.py                       # batches 2 and 8, ~8 min
  python benchmarks/fine_tune_memory.py --batch_sizes=4,16 --config=biggan-deep-256
"""

import json
import os
import resource
import subprocess
import sys

from absl import app
from absl import flags

import machine

flags.DEFINE_string("config", "biggan-deep-128", "Preset to measure.")
flags.DEFINE_list("batch_sizes", ["2", "8"], "Global batch sizes.")
flags.DEFINE_integer("d_steps", 1, "D updates per step.", lower_bound=1)
flags.DEFINE_bool("mixed_precision", False, "bfloat16 compute.")
flags.DEFINE_integer("child_batch", None, "(internal) measure one batch size and print JSON.")
FLAGS = flags.FLAGS


def _peak_gib():
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux.


def _current_gib():
  with open("/proc/self/statm", encoding="utf-8") as f:
    return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _measure(batch):
  """Runs in the child: {"weights_gib", "peak_gib", "parameters"}."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.trainer import Trainer  # pylint: disable=import-outside-toplevel
  config = tfbiggan.get_config(FLAGS.config, batch_size=batch, d_steps=FLAGS.d_steps,
                               initializer="normal")
  strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
  trainer = Trainer(config, strategy, mixed_precision=FLAGS.mixed_precision)
  shape = [config.d_steps * batch, config.resolution, config.resolution, 3]
  dataset = tf.data.Dataset.from_tensors(
      (tf.random.uniform(shape, -1.0, 1.0), tf.range(shape[0]) % config.num_classes)).repeat()
  weights = _current_gib()
  trainer.train(iter(strategy.experimental_distribute_dataset(dataset)), 2)
  parameters = sum(int(tf.size(w)) for w in trainer.generator.trainable_weights +
                   trainer.discriminator.trainable_weights)
  return {"weights_gib": weights, "peak_gib": _peak_gib(), "parameters": parameters}


def main(argv):
  del argv
  if FLAGS.child_batch:
    print(json.dumps(_measure(FLAGS.child_batch)))
    return 0
  print(f"machine: {machine.describe()}")
  precision = "bfloat16" if FLAGS.mixed_precision else "float32"
  print(f"{FLAGS.config} training step ({FLAGS.d_steps} D + 1 G update, {precision})")
  results = {}
  for batch in (int(b) for b in FLAGS.batch_sizes):
    output = subprocess.run(
        [sys.executable, __file__, f"--child_batch={batch}", f"--config={FLAGS.config}",
         f"--d_steps={FLAGS.d_steps}", f"--mixed_precision={FLAGS.mixed_precision}"],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")).stdout
    results[batch] = json.loads(output.strip().splitlines()[-1])
    r = results[batch]
    print(f"  batch {batch:3d}: peak {r['peak_gib']:.2f} GiB; before the first step "
          f"(weights, EMA, Adam) {r['weights_gib']:.2f} GiB; the batch costs "
          f"{r['peak_gib'] - r['weights_gib']:.2f} GiB", flush=True)
  if len(results) >= 2:
    (b0, r0), (b1, r1) = sorted(results.items())[0], sorted(results.items())[-1]
    slope = (r1["peak_gib"] - r0["peak_gib"]) / (b1 - b0)
    print(f"  per image: {slope * 1024:.0f} MiB; fixed: "
          f"{r0['peak_gib'] - slope * b0:.2f} GiB "
          f"({r0['parameters'] / 1e6:.1f} M trainable parameters in G and D)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
