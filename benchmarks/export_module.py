"""Benchmark: an exported tfbiggan module against pytorch-pretrained-biggan (the baseline).

For a preset (default biggan-deep-128, random weights, the official 51-point truncation
grid; statistics are not baked, which changes no timing) it exports our TF-Hub module with
XLA off and on, and with the training trace of --trainable_call, and builds
pytorch-pretrained-biggan's BigGAN-deep from its own default config (the 128 px model) with
random weights, saved with torch.save. For each it prints the size on
disk, the load time (from the files to a model ready to sample, in a fresh interpreter state
as far as one process allows) and images/s at the batch size, all on the CPU, in one run;
then --fresh_loads loads of the XLA-off module, each the first of a new interpreter.

  pip install torch==2.13.0 pytorch-pretrained-biggan==0.1.1   # the `reference` extra
  python benchmarks/export_module.py --batch_size=8 --calls=5
"""

import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "biggan-deep-128", "Preset to export (the PyTorch baseline is "
                    "always its BigGAN-deep-128).")
flags.DEFINE_integer("batch_size", 8, "Images per call.", lower_bound=1)
flags.DEFINE_integer("calls", 5, "Timed calls after one warm-up call.", lower_bound=1)
flags.DEFINE_float("truncation", 0.5, "Truncation of the samples.")
flags.DEFINE_integer("fresh_loads", 3, "Loads of the XLA-off module, each the first of a "
                     "fresh Python process.", lower_bound=0)

# Run in a new interpreter: what a user's first `load_generator_module` costs after
# `import tfbiggan`, TensorFlow's one-time work included.
_FRESH_LOAD = """
import sys, time
from tfbiggan.modules.generator_module import load_generator_module
start = time.perf_counter()
load_generator_module(sys.argv[1])
print(time.perf_counter() - start)
"""


def _folder_megabytes(path):
  total = sum(os.path.getsize(os.path.join(root, name))
              for root, _, names in os.walk(path) for name in names)
  return total / 2**20


def _time_calls(call, calls):
  """(seconds of the first call, images/s of the next `calls`)."""
  start = time.perf_counter()
  call()
  first = time.perf_counter() - start
  start = time.perf_counter()
  for _ in range(calls):
    call()
  return first, calls * FLAGS.batch_size / (time.perf_counter() - start)


def _tfbiggan_rows(folder):
  import numpy as np
  import tensorflow as tf

  import tfbiggan
  from tfbiggan_export.exporter import export_generator
  from tfbiggan.modules.generator_module import load_generator_module as load_module
  config = tfbiggan.get_config(FLAGS.config, initializer="normal",
                               truncation_grid=tfbiggan.configs.OFFICIAL_TRUNCATION_GRID)
  generator = tfbiggan.Generator(config)
  z = tf.constant(tfbiggan.truncated_noise(FLAGS.batch_size, config.dim_z, FLAGS.truncation,
                                           seed=0))
  y = tf.one_hot(np.arange(FLAGS.batch_size) % config.num_classes, config.num_classes)
  t = tf.constant(FLAGS.truncation)
  rows = []
  variants = (("XLA off", False, False), ("XLA on", True, False),
              ("XLA off, --trainable_call", False, True))
  for name, xla, trainable_call in variants:
    path = export_generator(generator, os.path.join(folder, f"{xla}_{trainable_call}"),
                            jit_compile=xla, trainable_call=trainable_call)
    start = time.perf_counter()
    module = load_module(path)
    load = time.perf_counter() - start
    signature = module.signatures["default"]
    first, rate = _time_calls(lambda: signature(z=z, y=y, truncation=t)["default"].numpy(),
                              FLAGS.calls)
    rows.append((f"tfbiggan module, {name}", _folder_megabytes(path), load, first, rate))
  fresh = [_fresh_load(os.path.join(folder, "False_False")) for _ in range(FLAGS.fresh_loads)]
  return config.name, rows, fresh


def _fresh_load(path):
  out = subprocess.run([sys.executable, "-c", _FRESH_LOAD, path], check=True,
                       capture_output=True, text=True).stdout
  return float(out.split()[-1])


def _pytorch_row(folder):
  import torch
  from pytorch_pretrained_biggan import BigGAN, BigGANConfig
  torch.manual_seed(0)
  path = os.path.join(folder, "pytorch_biggan_deep_128.pt")
  torch.save(BigGAN(BigGANConfig()).state_dict(), path)
  start = time.perf_counter()
  model = BigGAN(BigGANConfig())
  model.load_state_dict(torch.load(path))
  model.eval()
  load = time.perf_counter() - start
  z = torch.randn(FLAGS.batch_size, 128).clamp(-2, 2) * FLAGS.truncation
  y = torch.nn.functional.one_hot(torch.arange(FLAGS.batch_size) % 1000, 1000).float()

  def call():
    with torch.no_grad():
      model(z, y, FLAGS.truncation)

  first, rate = _time_calls(call, FLAGS.calls)
  return ("pytorch-pretrained-biggan (baseline)", os.path.getsize(path) / 2**20, load, first,
          rate), torch.get_num_threads()


def main(argv):
  del argv
  try:
    import pytorch_pretrained_biggan  # noqa: F401  pylint: disable=unused-import
  except ImportError:
    raise app.UsageError("the baseline needs `pip install torch==2.13.0 "
                         "pytorch-pretrained-biggan==0.1.1` (tfbiggan's `reference` extra)")
  with tempfile.TemporaryDirectory() as folder:
    baseline, threads = _pytorch_row(folder)
    name, rows, fresh = _tfbiggan_rows(folder)
  print(f"{name} on the CPU ({os.cpu_count()} cores; torch threads {threads}), batch "
        f"{FLAGS.batch_size}, truncation {FLAGS.truncation}, {FLAGS.calls} timed calls")
  print(f"  {'':38s} {'size MiB':>9s} {'load s':>7s} {'1st call s':>10s} {'images/s':>9s} "
        f"{'vs baseline':>11s}")
  for label, size, load, first, rate in [baseline] + rows:
    print(f"  {label:38s} {size:9.1f} {load:7.2f} {first:10.2f} {rate:9.2f} "
          f"{rate / baseline[4]:10.2f}x")
  if fresh:
    print(f"  XLA-off module, first load of a fresh process (after `import tfbiggan`): "
          f"{', '.join(f'{seconds:.2f}' for seconds in fresh)} s")


if __name__ == "__main__":
  app.run(main)
