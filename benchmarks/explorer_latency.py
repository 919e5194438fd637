"""How responsive is tfbiggan-explore? Start-up and latency per image, per model.

For digits-32 and biggan-deep-128 (random weights, a 5-point truncation grid; timings do not
depend on the weights) it exports a module, then times what the page does: loading the
module into an `Explorer` (start-up), the first drawing (which also warms the module's
compiled function) and the first drawing of 8, then the mean latency of a Samples-tab
drawing of 1 and of 8 images,
and of a Directions-tab edit (one image; the SeFa directions are computed once, on first
use, and that time is printed too). Baseline, measured in the same run: the same 8 images
from the float32 Keras generator in memory (tf.function, the same batch), so that the ratio
says what going through the module costs. Each of --precisions gets its own explorer
(`Explorer(..., precision=)`, the command's --precision; bfloat16 draws from a Keras
generator in bfloat16 that it builds and traces at start-up).

  python benchmarks/explorer_latency.py --repeats=5 --precisions=float32,bfloat16
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import machine

flags.DEFINE_list("configs", ["digits-32", "biggan-deep-128"], "Presets to measure.")
flags.DEFINE_integer("repeats", 5, "Timed drawings per figure.", lower_bound=1)
flags.DEFINE_list("precisions", ["float32"], "Sampling precisions to measure (float32, "
                  "bfloat16, float16).")
FLAGS = flags.FLAGS


def _mean_seconds(call, repeats):
  start = time.perf_counter()
  for _ in range(repeats):
    call()
  return (time.perf_counter() - start) / repeats


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  import numpy as np
  import tensorflow as tf
  import tfbiggan
  from tfbiggan.explorer import NUM_DIRECTIONS, Explorer
  from tfbiggan_export.exporter import export_generator

  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  folder = tempfile.mkdtemp(prefix="explorer_latency_")
  for name in FLAGS.configs:
    config = tfbiggan.get_config(name, truncation_grid=(0.0, 0.25, 0.5, 0.75, 1.0))
    generator = tfbiggan.Generator(config)
    path = export_generator(generator, os.path.join(folder, name))
    z = tf.constant(tfbiggan.truncated_noise(8, config.dim_z, 0.5, seed=2))
    y = tf.one_hot(np.zeros(8, np.int32), config.num_classes)
    in_memory = tf.function(lambda z, y: generator(z, y, truncation=0.5))
    in_memory(z, y)
    for precision in FLAGS.precisions:
      start = time.perf_counter()
      explorer = Explorer(path, precision=precision)
      startup = time.perf_counter() - start
      start = time.perf_counter()
      explorer.samples(0, 0.5, 0, 1)
      first = time.perf_counter() - start
      one = _mean_seconds(lambda: explorer.samples(0, 0.5, 1, 1), FLAGS.repeats)
      # A new batch size's first call compiles what runs per shape (the bfloat16 path's
      # fused batch norms): timed on its own, apart from the steady calls.
      start = time.perf_counter()
      explorer.samples(0, 0.5, 3, 8)
      first_eight = time.perf_counter() - start
      eight = _mean_seconds(lambda: explorer.samples(0, 0.5, 2, 8), FLAGS.repeats) / 8
      start = time.perf_counter()
      explorer.directions()
      directions = time.perf_counter() - start
      strengths = [1.0] + [0.0] * (NUM_DIRECTIONS - 1)
      edit = _mean_seconds(lambda: explorer.edit(0, 3, 0.5, strengths), FLAGS.repeats)
      baseline = _mean_seconds(lambda: in_memory(z, y).numpy(), FLAGS.repeats) / 8
      print(f"{name}, {precision}: start-up (load the module) {startup:.2f} s; first drawing "
            f"{first:.2f} s, first batch of 8 {first_eight:.2f} s; per image: 1 image "
            f"{one * 1000:.0f} ms, batch of 8 "
            f"{eight * 1000:.0f} ms (float32 Keras generator in memory "
            f"{baseline * 1000:.0f} ms, ratio {eight / baseline:.2f}x); direction edit "
            f"{edit * 1000:.0f} ms (directions computed once in {directions:.2f} s)",
            flush=True)
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
