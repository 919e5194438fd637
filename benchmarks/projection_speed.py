"""How long does projecting one image take at a preset's resolution? Seconds per step.

Exports a preset with random weights (default biggan-deep-128, 1,000 classes; one truncation
point, as projection samples at t = 1), draws one of its own images and projects it with
the class as hint (`tfbiggan-project --class=...`), pixel loss only (official modules carry
no discriminator). Three projections with different numbers of search steps (--restarts
starts in one batch) and refinement steps (the best start alone) give the seconds per step
of each phase by difference, and the set-up of a projection; the first projection with a
module also traces the gradient of its function (once per loaded module and batch size),
timed as its excess
over a repeat of it. Baseline, measured in the same run: one forward call of the
module for a batch of --restarts images (what a search step costs before its backward pass).
With --precision=bfloat16 the module samples in bfloat16 (`module_in_precision`, what
`tfbiggan-project --precision` does), the baseline too.

  python benchmarks/projection_speed.py [--precision=bfloat16]
"""

import os
import tempfile
import time

from absl import app
from absl import flags

import machine

flags.DEFINE_string("config", "biggan-deep-128", "Preset (random weights).")
flags.DEFINE_integer("extra_steps", 60, "Steps added to a phase to time it.", lower_bound=1)
flags.DEFINE_enum("precision", "float32", ["float32", "bfloat16", "float16"], "Sampling "
                  "precision of the module.")
flags.DEFINE_integer("restarts", 3, "Starts of the search (project's default).",
                     lower_bound=1)
FLAGS = flags.FLAGS


def main(argv):
  del argv
  # pylint: disable=import-outside-toplevel
  import numpy as np
  import tfbiggan
  from tfbiggan.modules.generator_module import generate, load_generator_module
  from tfbiggan.latent.projection import project
  from tfbiggan.modules.module_precision import module_in_precision
  from tfbiggan_export.exporter import export_generator

  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  config = tfbiggan.get_config(FLAGS.config, initializer="normal", truncation_grid=(1.0,))
  path = export_generator(tfbiggan.Generator(config),
                          os.path.join(tempfile.mkdtemp(prefix="projection_speed_"), "m"))
  module = module_in_precision(load_generator_module(path), FLAGS.precision)
  label = min(207, config.num_classes - 1)  # A golden retriever in ImageNet presets.
  onehot = np.eye(config.num_classes, dtype=np.float32)[[label] * FLAGS.restarts]
  z = tfbiggan.truncated_noise(FLAGS.restarts, config.dim_z, 1.0, seed=1)
  target = generate(module, z[:1], onehot[:1], 1.0)
  generate(module, z, onehot, 1.0)  # Warm-up.
  start = time.perf_counter()
  generate(module, z, onehot, 1.0)
  forward = time.perf_counter() - start

  def seconds(search_steps, refine_steps):
    start = time.perf_counter()
    (found,) = project(module, target, class_hints=[label], steps=search_steps + refine_steps,
                       search_steps=search_steps, restarts=FLAGS.restarts, log_progress=False)
    return time.perf_counter() - start, found

  extra = FLAGS.extra_steps
  first, _ = seconds(4, 4)
  base, _ = seconds(4, 4)
  search = (seconds(4 + extra, 4)[0] - base) / extra
  longer, found = seconds(4, 4 + extra)
  refine = (longer - base) / extra
  setup = base - 4 * search - 4 * refine
  print(f"{config.name} ({config.resolution} px, {FLAGS.precision}), projection of one image "
        "with a class hint:")
  print(f"  search {search:.2f} s/step ({FLAGS.restarts} starts), refinement {refine:.2f} "
        f"s/step, set-up {setup:.1f} s per projection; PSNR {found.psnr:.1f} dB after "
        f"{8 + extra} steps")
  print(f"  the first projection with the loaded module also traces its steps: "
        f"{first - base:.1f} s, once")
  print(f"  one forward call of {FLAGS.restarts} images (baseline): {forward:.2f} s; a search "
        f"step is {search / forward:.1f}x that")
  default = setup + 75 * search + 225 * refine
  print(f"  project's default 300 steps (75 searching): about {default:.0f} s "
        f"({default + first - base:.0f} s for the first with a module)")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
