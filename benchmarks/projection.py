"""How well does projection find digits in the demo's generator? Class recovery and PSNR.

Exports a finished digits-32 run (the demo's: `tfbiggan-demo` leaves it in
outputs/demo/run) with its discriminator, then projects, without class hints:
  * generated digits (z of seeds at t = 1, classes in turn): is the class found the class
    drawn, and the reconstruction's PSNR;
  * real held-out test digits: does the class found agree with the true label, and PSNR.
Each with the pixel loss alone and with the discriminator-feature loss added. Baseline,
measured in the same run: the best PSNR among --baseline_samples random samples of the
digit's true class (what sampling without projection gets), and its ratio.

  python benchmarks/projection.py --model_dir=outputs/demo/run
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import machine

flags.DEFINE_string("model_dir", "outputs/demo/run", "A finished digits-32 run.")
flags.DEFINE_integer("num_images", 30, "Images projected per kind.", lower_bound=1)
flags.DEFINE_integer("steps", 300, "Projection steps.", lower_bound=1)
flags.DEFINE_integer("baseline_samples", 64, "Random samples per image for the baseline.",
                     lower_bound=1)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  import numpy as np
  from tfbiggan.data.digits import load_digits_array
  from tfbiggan.modules.generator_module import generate, load_generator_module
  from tfbiggan.latent.projection import project, psnr
  from tfbiggan.sampling import truncated_noise
  from tfbiggan_export.exporter import export_run

  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  path = os.path.join(tempfile.mkdtemp(prefix="projection_"), "module")
  export_run(FLAGS.model_dir, path, truncation_grid=(1.0,), with_discriminator=True)
  module = load_generator_module(path)
  count = FLAGS.num_images
  labels = np.arange(count) % 10
  onehot = np.eye(10, dtype=np.float32)
  generated = generate(module, truncated_noise(count, 64, 1.0, seed=1000), onehot[labels], 1.0)
  test_x, test_y = load_digits_array("test")
  order = np.random.default_rng(0).permutation(len(test_x))[:count]
  kinds = {"generated": (generated, labels), "real test": (test_x[order], test_y[order])}

  for kind, (targets, truth) in kinds.items():
    # Baseline: the best of N random samples of the true class.
    z = truncated_noise(count * FLAGS.baseline_samples, 64, 1.0, seed=7)
    samples = generate(module, z, onehot[np.repeat(truth, FLAGS.baseline_samples)], 1.0, 256)
    samples = samples.reshape(count, FLAGS.baseline_samples, *samples.shape[1:])
    best = psnr(samples, targets[:, None]).max(axis=1)
    print(f"{kind} digits ({count}): best of {FLAGS.baseline_samples} samples of the true "
          f"class: median PSNR {np.median(best):.1f} dB (baseline)")
    for name, weight in (("pixels", 0.0), ("pixels + D features", 1.0)):
      start = time.time()
      found = project(module, targets, steps=FLAGS.steps, feature_weight=weight, seed=1,
                      log_progress=False)
      seconds = (time.time() - start) / count
      classes = np.array([p.class_index for p in found])
      quality = np.array([p.psnr for p in found])
      print(f"  projection, {name}: class found = label for {np.mean(classes == truth):.0%}, "
            f"median PSNR {np.median(quality):.1f} dB (min {quality.min():.1f}), "
            f"{np.median(quality) - np.median(best):+.1f} dB vs baseline, "
            f"{seconds:.2f} s per image")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
