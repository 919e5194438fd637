"""Memory of a training step: peak resident memory per batch size and gradient accumulation.

Each (batch size, accumulation) runs in its own process (peak memory is per process): it
builds the `Trainer` (G, D, EMA G, both Adams), runs 2 training steps (by default 1 D update
+ 1 G update, as docs/fine-tuning.md recommends) on synthetic images, and reports the
process's peak resident memory, and the peak of the second step alone (the high-water mark
reset after the first, which also traces the step: on a CPU tracing and graph optimisation can
take more memory than a small batch). The baseline measured beside it is the same process before
the first step (weights, EMA and optimizer slots only); the difference is what the batch
costs, and its slope per image gives the memory of any batch size. With --accumulations,
each D and G update runs its batch as k micro-batches (`d_accumulations` =
`g_accumulations` = k), and the batch's cost should fall towards 1/k. On CPU this is host
memory; on a GPU the same tensors live in device memory (plus the framework's workspace).

  python benchmarks/step_memory.py                    # biggan-deep-128, batches 2 and 8
  python benchmarks/step_memory.py --batch_sizes=4,16 --config=biggan-deep-256
  python benchmarks/step_memory.py --config=biggan-128 --batch_sizes=8,16 --d_steps=2 \
      --accumulations=1,2,4
  python benchmarks/step_memory.py --config=digits-32 --batch_sizes=512 --accumulations=1,4 \
      --overrides="lecam_weight=0;g_ch=32;d_ch=32"
"""

import json
import os
import resource
import subprocess
import sys
import time

from absl import app
from absl import flags

import machine
from overrides import parse_overrides
from tfbiggan.training.options import TRAINING_PRECISIONS

flags.DEFINE_string("config", "biggan-deep-128", "Preset to measure.")
flags.DEFINE_list("batch_sizes", ["2", "8"], "Global batch sizes.")
flags.DEFINE_list("accumulations", ["1"], "Micro-batches per D and G update (each a divisor "
                  "of every batch size).")
flags.DEFINE_integer("d_steps", 1, "D updates per step.", lower_bound=1)
flags.DEFINE_enum("precision", "float32", TRAINING_PRECISIONS, "Compute dtype (float32 "
                  "weights in all three; float16 with dynamic loss scaling).")
flags.DEFINE_string("overrides", "", "Config overrides, 'field=value;field=value'.")
flags.DEFINE_integer("child_batch", None, "(internal) measure one batch size and print JSON.")
flags.DEFINE_integer("child_accumulations", 1, "(internal) its accumulations.")
FLAGS = flags.FLAGS


def _peak_gib():
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux.


def _reset_step_peak():
  """Resets the process's resident high-water mark (Linux: /proc/self/clear_refs); False
  where it cannot."""
  try:
    with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
      f.write("5")
    return True
  except OSError:
    return False


def _high_water_gib():
  """The resident high-water mark since the last reset (VmHWM), GiB."""
  with open("/proc/self/status", encoding="utf-8") as f:
    for line in f:
      if line.startswith("VmHWM:"):
        return int(line.split()[1]) / 2**20  # kB.
  raise OSError("no VmHWM in /proc/self/status")


def _current_gib():
  with open("/proc/self/statm", encoding="utf-8") as f:
    return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _measure(batch, accumulations):
  """Runs in the child: {"weights_gib", "peak_gib", "step_peak_gib" (None where the peak
  cannot be reset), "parameters", "step_s"}."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.trainer import Trainer  # pylint: disable=import-outside-toplevel
  config = tfbiggan.get_config(FLAGS.config, batch_size=batch, d_steps=FLAGS.d_steps,
                               initializer="normal", d_accumulations=accumulations,
                               g_accumulations=accumulations,
                               **parse_overrides(FLAGS.overrides))
  strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
  trainer = Trainer(config, strategy, precision=FLAGS.precision)
  shape = [config.d_steps * batch, config.resolution, config.resolution, 3]
  dataset = tf.data.Dataset.from_tensors(
      (tf.random.uniform(shape, -1.0, 1.0), tf.range(shape[0]) % config.num_classes)).repeat()
  weights = _current_gib()
  iterator = iter(strategy.experimental_distribute_dataset(dataset))
  trainer.train(iterator, 1)  # Traces the step.
  reset = _reset_step_peak()
  start = time.perf_counter()
  trainer.train(iterator, 1)
  step_s = time.perf_counter() - start
  step_peak = _high_water_gib() if reset else None
  parameters = sum(int(tf.size(w)) for w in trainer.generator.trainable_weights +
                   trainer.discriminator.trainable_weights)
  return {"weights_gib": weights, "peak_gib": _peak_gib(), "step_peak_gib": step_peak,
          "parameters": parameters, "step_s": step_s}


def main(argv):
  del argv
  if FLAGS.child_batch:
    print(json.dumps(_measure(FLAGS.child_batch, FLAGS.child_accumulations)))
    return 0
  print(f"machine: {machine.describe()}")
  precision = FLAGS.precision
  print(f"{FLAGS.config} training step ({FLAGS.d_steps} D + 1 G update, {precision}"
        f"{'; ' + FLAGS.overrides if FLAGS.overrides else ''})")
  costs = {}  # (batch, k) -> what the batch costs, GiB.
  for k in (int(a) for a in FLAGS.accumulations):
    results = {}
    for batch in (int(b) for b in FLAGS.batch_sizes):
      output = subprocess.run(
          [sys.executable, __file__, f"--child_batch={batch}", f"--child_accumulations={k}",
           f"--config={FLAGS.config}", f"--d_steps={FLAGS.d_steps}",
           f"--precision={FLAGS.precision}", f"--overrides={FLAGS.overrides}"],
          capture_output=True, text=True, check=True,
          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")).stdout
      results[batch] = r = json.loads(output.strip().splitlines()[-1])
      costs[batch, k] = r["peak_gib"] - r["weights_gib"]
      print(f"  batch {batch:3d}, {k} micro-batch(es) of {batch // k}: peak "
            f"{r['peak_gib']:.2f} GiB; before the first step (weights, EMA, Adam) "
            f"{r['weights_gib']:.2f} GiB; the batch costs "
            f"{r['peak_gib'] - r['weights_gib']:.2f} GiB; a step {r['step_s']:.1f} s"
            + (f"; the second step's own peak {r['step_peak_gib']:.2f} GiB"
               if r["step_peak_gib"] is not None else ""), flush=True)
    if len(results) >= 2:
      (b0, r0), (b1, r1) = sorted(results.items())[0], sorted(results.items())[-1]
      slope = (r1["peak_gib"] - r0["peak_gib"]) / (b1 - b0)
      print(f"  per image: {slope * 1024:.0f} MiB; fixed: "
            f"{r0['peak_gib'] - slope * b0:.2f} GiB "
            f"({r0['parameters'] / 1e6:.1f} M trainable parameters in G and D)")
  for (batch, k), cost in sorted(costs.items()):
    if k != 1 and (batch, 1) in costs:
      print(f"  batch {batch}, k = {k}: the batch costs x{cost / costs[batch, 1]:.2f} of "
            f"k = 1's (baseline, same run)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
