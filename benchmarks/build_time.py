"""Benchmark: seconds to build each official preset's G and D on this machine.

Prints, per preset, the build time with the paper's orthogonal initialisation and, as the
baseline measured in the same run, with N(0, 0.02) initialisation (same shapes; the
difference is the QR decompositions of orthogonal init), and their ratio.

  python benchmarks/build_time.py [--presets=biggan-deep-512,biggan-128]
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

import machine  # noqa: E402  pylint: disable=wrong-import-position

FLAGS = flags.FLAGS
flags.DEFINE_list("presets", ["biggan-128", "biggan-256", "biggan-512", "biggan-deep-128",
                              "biggan-deep-256", "biggan-deep-512"], "Presets to build.")


def _build_seconds(config):
  import tfbiggan
  start = time.perf_counter()
  generator = tfbiggan.Generator(config)
  g_seconds = time.perf_counter() - start
  del generator
  start = time.perf_counter()
  discriminator = tfbiggan.Discriminator(config)
  d_seconds = time.perf_counter() - start
  del discriminator
  return g_seconds, d_seconds


def main(argv):
  del argv
  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s")
  import tfbiggan
  unknown = sorted(set(FLAGS.presets) - set(tfbiggan.list_configs()))
  if unknown:
    raise app.UsageError(f"unknown presets {unknown}; known: {tfbiggan.list_configs()}")
  print(f"{'preset':<18}{'G ortho s':>11}{'D ortho s':>11}{'G+D normal s':>14}{'ratio':>8}")
  for name in FLAGS.presets:
    g, d = _build_seconds(tfbiggan.get_config(name))
    g0, d0 = _build_seconds(tfbiggan.get_config(name, initializer="normal"))
    print(f"{name:<18}{g:>11.1f}{d:>11.1f}{g0 + d0:>14.1f}{(g + d) / (g0 + d0):>8.2f}",
          flush=True)


if __name__ == "__main__":
  app.run(main)
