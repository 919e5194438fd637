"""Sampling in bfloat16 against float32: images/s and the image difference.

Builds a generator twice from the same weights, once computing in float32 (baseline) and
once in bfloat16 with float32 weights (`tfbiggan.load_pretrained(precision="bfloat16")`'s
path), then:
  - times `generator(z, y, truncation=t)` under tf.function at each --batch_sizes, the two
    alternating call by call in the same window;
  - compares 64 images at t = 0.5 and t = 1: max and mean |difference| and PSNR (images in
    [-1, 1], so the peak-to-peak value is 2), the lowest PSNR of one image too.
The generator is a module (--module: a short name, a folder, e.g. the demo's
outputs/demo/module) or a preset with random weights and calibrated statistics (standing
statistics baked at t = 0.5 and 1).

  python benchmarks/bfloat16_sampling.py --config=biggan-deep-128
  python benchmarks/bfloat16_sampling.py --module=outputs/demo/module --batch_sizes=64
"""

import os
import time

from absl import app
from absl import flags

import machine

flags.DEFINE_string("config", "biggan-deep-128", "Preset with random weights (without "
                    "--module).")
flags.DEFINE_string("module", None, "A module to load instead of --config.")
flags.DEFINE_list("batch_sizes", ["1", "8"], "Batch sizes to time.")
flags.DEFINE_integer("calls", 5, "Timed calls per batch size and precision, after a "
                     "warm-up call.", lower_bound=1)
flags.DEFINE_integer("num_images", 64, "Images compared per truncation.", lower_bound=1)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  import numpy as np
  import tensorflow as tf
  import tfbiggan
  from tfbiggan.layers.initializers import ASSIGNED_AFTERWARDS
  from tfbiggan.sampling import truncated_noise
  from tfbiggan.standing_statistics import bake_truncation_statistics
  # pylint: enable=import-outside-toplevel

  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  if FLAGS.module:
    reference = tfbiggan.load_pretrained(FLAGS.module)
    what = FLAGS.module
  else:
    config = tfbiggan.get_config(FLAGS.config, truncation_grid=(0.5, 1.0))
    reference = tfbiggan.Generator(config)
    bake_truncation_statistics(reference, num_batches=4, batch_size=16)
    what = f"{config.name}, random weights, statistics baked at t = 0.5 and 1"
  config = reference.config
  fast = tfbiggan.Generator(config, initializer=ASSIGNED_AFTERWARDS, dtype="mixed_bfloat16")
  for target, source in zip(fast.weights, reference.weights):
    target.assign(source)
  calls = {name: tf.function(lambda z, y, t, g=g: g(z, y, truncation=t))
           for name, g in (("float32", reference), ("bfloat16", fast))}

  def inputs(batch, truncation, seed=0):
    z = tf.constant(truncated_noise(batch, config.dim_z, truncation, seed=seed))
    y = tf.one_hot(np.arange(batch) % config.num_classes, config.num_classes)
    return z, y, tf.constant(truncation, tf.float32)

  print(f"{what}: sampling, tf.function, the two precisions alternating")
  for batch in (int(b) for b in FLAGS.batch_sizes):
    args = inputs(batch, 0.5)
    seconds = {name: [] for name in calls}
    for name, call in calls.items():
      call(*args).numpy()  # Trace.
    for _ in range(FLAGS.calls):
      for name, call in calls.items():
        start = time.perf_counter()
        call(*args).numpy()
        seconds[name].append(time.perf_counter() - start)
    rate = {name: batch / float(np.median(s)) for name, s in seconds.items()}
    print(f"  batch {batch}: float32 {rate['float32']:.2f} images/s, bfloat16 "
          f"{rate['bfloat16']:.2f} images/s (x{rate['bfloat16'] / rate['float32']:.2f})")
  for truncation in (0.5, 1.0):
    args = inputs(FLAGS.num_images, truncation, seed=1)
    want, got = (np.concatenate([calls[name](args[0][i:i + 16], args[1][i:i + 16], args[2])
                                 .numpy() for i in range(0, FLAGS.num_images, 16)])
                 for name in ("float32", "bfloat16"))
    error = np.abs(got - want)
    per_image = 10 * np.log10(4.0 / np.mean(error ** 2, axis=(1, 2, 3)))
    psnr = 10 * np.log10(4.0 / np.mean(error ** 2))
    print(f"  t = {truncation:g}, {FLAGS.num_images} images: max |diff| {error.max():.4f}, "
          f"mean |diff| {error.mean():.5f}, PSNR {psnr:.1f} dB (lowest image "
          f"{per_image.min():.1f} dB)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
