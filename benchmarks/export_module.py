"""Benchmark: sampling from an exported tfbiggan module against pytorch-pretrained-biggan.

For a BigGAN-deep preset (default biggan-deep-128, random weights, the official 51-point
truncation grid; statistics are not baked, which changes no timing) it exports our TF-Hub
module with XLA off and on, and with the training trace of --trainable_call, and builds
pytorch-pretrained-biggan's BigGAN-deep of the same layout (its blocks, widths and attention
position from the preset) with random weights, saved with torch.save. Then, all on the CPU
and in one run:
  - per variant, the size on disk and the load time (files to a model ready to sample);
  - images/s at each of --batch_sizes, the variants timed call by call in turn (one window),
    the median of --calls calls after a first call (timed apart: tracing, compiling);
  - the variants: our module's `default` signature (XLA off, on), the module's weights in
    the Keras generator with its kernels normalised once (`Generator.freeze_kernels`) in
    float32, and in bfloat16 (`module_in_precision`, the commands' --precision=bfloat16),
    and PyTorch eager,
    under `torch.compile`, and under `torch.compile` with `torch.autocast("cpu",
    torch.bfloat16)` (what a user after speed on a CPU with bfloat16 units picks);
  - --fresh_loads times a new process that loads the module (XLA off) and draws its first
    batch through its `default` signature, one that does the same through
    `tfbiggan.load_pretrained` (the Keras generator, called eagerly), and one that loads the
    PyTorch state dict and draws its first batch (eager), in turn.
Ratios are against compiled PyTorch in float32 and in bfloat16 from the same run. The CPU's
model, extensions and float32 matmul rate are printed first.

  pip install torch==2.13.0 pytorch-pretrained-biggan==0.1.1   # the `reference` extra
  python benchmarks/export_module.py --batch_sizes=1,8 --calls=5
  python benchmarks/export_module.py --config=biggan-deep-256 --batch_sizes=1
  python benchmarks/export_module.py --notimed --nocompile --fresh_loads=5   # loads only
"""

import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app  # noqa: E402
from absl import flags  # noqa: E402
from absl import logging  # noqa: E402

import machine  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_enum("config", "biggan-deep-128", ["biggan-deep-128", "biggan-deep-256",
                                                 "biggan-deep-512"],
                  "Preset to export; the PyTorch baseline has the same layout.")
flags.DEFINE_list("batch_sizes", ["1", "8"], "Images per call, one timing each.")
flags.DEFINE_integer("calls", 5, "Timed calls per variant and batch size, after a first "
                     "call.", lower_bound=1)
flags.DEFINE_float("truncation", 0.5, "Truncation of the samples.")
flags.DEFINE_integer("fresh_loads", 3, "New processes per side that load and draw a first "
                     "batch.", lower_bound=0)
flags.DEFINE_boolean("timed", True, "Time each way's images/s; false: only the fresh loads.")
flags.DEFINE_boolean("compile", True, "Include the torch.compile rows (compiling takes "
                     "minutes on a small CPU).")

# A new interpreter: what a user's first load and first batch cost after the imports,
# TensorFlow's and PyTorch's one-time work included. Each prints "<load s> <first batch s>".
_FRESH_TFBIGGAN = """
import sys, time
import numpy as np, tensorflow as tf
from tfbiggan.modules.generator_module import load_generator_module
start = time.perf_counter()
module = load_generator_module(sys.argv[1])
loaded = time.perf_counter()
batch, truncation = int(sys.argv[2]), float(sys.argv[3])
z = tf.zeros([batch, int(module.dim_z.numpy())])
y = tf.one_hot(np.arange(batch) % int(module.num_classes.numpy()), int(module.num_classes.numpy()))
module.signatures["default"](z=z, y=y, truncation=tf.constant(truncation))["default"].numpy()
print(loaded - start, time.perf_counter() - loaded)
"""
# The same through the README's path: the Keras generator of the module (its weights read
# from variables/, no graph loaded), called eagerly.
_FRESH_KERAS = """
import sys, time
import numpy as np, tensorflow as tf
import tfbiggan
start = time.perf_counter()
generator = tfbiggan.load_pretrained(sys.argv[1])
loaded = time.perf_counter()
batch, truncation = int(sys.argv[2]), float(sys.argv[3])
z = tf.zeros([batch, generator.config.dim_z])
y = tf.one_hot(np.arange(batch) % generator.config.num_classes, generator.config.num_classes)
generator(z, y, truncation=truncation).numpy()
print(loaded - start, time.perf_counter() - loaded)
"""
_FRESH_PYTORCH = """
import json, sys, time
import torch
from pytorch_pretrained_biggan import BigGAN, BigGANConfig
start = time.perf_counter()
fields = json.loads(sys.argv[4])
model = BigGAN(BigGANConfig.from_dict(fields))
model.load_state_dict(torch.load(sys.argv[1]))
model.eval()
loaded = time.perf_counter()
batch, truncation = int(sys.argv[2]), float(sys.argv[3])
with torch.no_grad():
  model(torch.zeros(batch, fields["z_dim"]), torch.nn.functional.one_hot(torch.arange(batch) % 1000,
                                                             1000).float(), truncation)
print(loaded - start, time.perf_counter() - loaded)
"""


def _folder_megabytes(path):
  total = sum(os.path.getsize(os.path.join(root, name))
              for root, _, names in os.walk(path) for name in names)
  return total / 2**20


class _Variant:
  """One way to sample: `label`, size on disk (MiB), load time (s), and `make_call(batch)`
  -> a function drawing one batch (its result materialised)."""

  def __init__(self, label, megabytes, load_seconds, make_call):
    self.label, self.megabytes, self.load_seconds = label, megabytes, load_seconds
    self.make_call = make_call
    self.first = {}  # batch -> seconds of the first call.
    self.seconds = {}  # batch -> [seconds of each timed call].


def _tfbiggan_variants(folder):
  """(preset name, [_Variant]) of our module: XLA off, XLA on, bfloat16; and the module
  path (XLA off) for the fresh loads."""
  import numpy as np
  import tensorflow as tf

  import tfbiggan
  from tfbiggan_export.exporter import export_generator
  from tfbiggan.modules.generator_module import load_generator_module
  from tfbiggan.modules.module_precision import module_in_precision
  config = tfbiggan.get_config(FLAGS.config, initializer="normal",
                               truncation_grid=tfbiggan.configs.OFFICIAL_TRUNCATION_GRID)
  generator = tfbiggan.Generator(config)
  truncation = tf.constant(FLAGS.truncation)

  def caller(module):
    signature = module.signatures["default"]

    def make_call(batch):
      z = tf.constant(tfbiggan.truncated_noise(batch, config.dim_z, FLAGS.truncation, seed=0))
      y = tf.one_hot(np.arange(batch) % config.num_classes, config.num_classes)
      return lambda: signature(z=z, y=y, truncation=truncation)["default"].numpy()

    return make_call

  variants = []
  paths = {}
  for name, xla, trainable_call in (("XLA off", False, False), ("XLA on", True, False),
                                    ("XLA off, --trainable_call", False, True)):
    paths[name] = export_generator(generator, os.path.join(folder, f"{xla}_{trainable_call}"),
                                   jit_compile=xla, trainable_call=trainable_call)
    start = time.perf_counter()
    module = load_generator_module(paths[name])
    load = time.perf_counter() - start
    variants.append(_Variant(f"tfbiggan module, {name}", _folder_megabytes(paths[name]), load,
                             None if trainable_call else caller(module)))
  for label, precision in (("tfbiggan Keras generator, kernels frozen", "float32"),
                           ("tfbiggan module, --precision=bfloat16", "bfloat16")):
    # The module's weights in a Keras generator whose kernels are normalised once
    # (`Generator.freeze_kernels`): the bfloat16 path, and in float32 what
    # `tfbiggan.load_pretrained` then `freeze_kernels()` gives.
    start = time.perf_counter()
    keras_path = module_in_precision(load_generator_module(paths["XLA off"]), precision,
                                     rebuild=True)
    variants.append(_Variant(label, _folder_megabytes(paths["XLA off"]),
                             time.perf_counter() - start, caller(keras_path)))
  return config.name, variants, paths["XLA off"]


def pytorch_config(config):
  """pytorch-pretrained-biggan's BigGANConfig fields (a dict) of the layout of our
  BigGAN-deep `config`: a layer per G block, (upsamples, in width, out width) in units of
  the base width, and self-attention before the same block."""
  widths = config.g_channel_multipliers
  return dict(output_dim=config.resolution, z_dim=config.dim_z,
              class_embed_dim=config.shared_dim, channel_width=config.g_ch,
              num_classes=config.num_classes, attention_layer_position=config.g_attention_block,
              layers=[(config.g_block_upsamples(i), widths[i], widths[i + 1])
                      for i in range(config.num_g_blocks)])


def _pytorch_variants(folder, fields):
  """([_Variant] of pytorch-pretrained-biggan with config `fields`: eager, compiled,
  compiled + autocast bfloat16), the state dict's path, torch's thread count."""
  import torch
  from pytorch_pretrained_biggan import BigGAN, BigGANConfig
  torch.manual_seed(0)
  path = os.path.join(folder, "pytorch_biggan_deep.pt")
  torch.save(BigGAN(BigGANConfig.from_dict(fields)).state_dict(), path)
  start = time.perf_counter()
  model = BigGAN(BigGANConfig.from_dict(fields))
  model.load_state_dict(torch.load(path))
  model.eval()
  load = time.perf_counter() - start
  megabytes = os.path.getsize(path) / 2**20

  def caller(forward, autocast):
    def make_call(batch):
      z = torch.randn(batch, fields["z_dim"]).clamp(-2, 2) * FLAGS.truncation
      y = torch.nn.functional.one_hot(torch.arange(batch) % 1000, 1000).float()

      def call():
        with torch.no_grad(), torch.autocast("cpu", torch.bfloat16, enabled=autocast):
          return forward(z, y, FLAGS.truncation).float().numpy()

      return call

    return make_call

  variants = [_Variant("PyTorch eager", megabytes, load, caller(model, False))]
  if FLAGS.compile:
    compiled = torch.compile(model)
    variants += [_Variant("PyTorch torch.compile", megabytes, load, caller(compiled, False)),
                 _Variant("PyTorch torch.compile + autocast bf16", megabytes, load,
                          caller(compiled, True))]
  return variants, path, torch.get_num_threads()


def _time_in_turn(variants, batch):
  """Fills each variant's first-call and timed-call seconds at `batch`, the variants' calls
  interleaved so that all see the same machine."""
  import numpy as np
  calls = {}
  for variant in variants:
    calls[variant] = variant.make_call(batch)
    start = time.perf_counter()
    calls[variant]()
    variant.first[batch] = time.perf_counter() - start
    variant.seconds[batch] = []
  for _ in range(FLAGS.calls):
    for variant in variants:
      start = time.perf_counter()
      calls[variant]()
      variant.seconds[batch].append(time.perf_counter() - start)
  return {variant: batch / float(np.median(variant.seconds[batch])) for variant in variants}


def _fresh(script, path, batch, *args):
  out = subprocess.run([sys.executable, "-c", script, path, str(batch), str(FLAGS.truncation),
                        *args], check=True, capture_output=True, text=True).stdout
  return tuple(float(value) for value in out.split()[-2:])


def main(argv):
  del argv
  try:
    import pytorch_pretrained_biggan  # noqa: F401  pylint: disable=unused-import
  except ImportError:
    raise app.UsageError("the baseline needs `pip install torch==2.13.0 "
                         "pytorch-pretrained-biggan==0.1.1` (tfbiggan's `reference` extra)")
  batch_sizes = [int(b) for b in FLAGS.batch_sizes]
  logging.set_verbosity(logging.WARNING)  # The exporter's and SavedModel's info lines.
  print(f"machine: {machine.describe()}; float32 matmul {machine.matmul_gflops():.0f} GFLOP/s",
        flush=True)
  import json  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  fields = pytorch_config(tfbiggan.get_config(FLAGS.config))
  with tempfile.TemporaryDirectory() as folder:
    pytorch, state_dict, threads = _pytorch_variants(folder, fields)
    name, ours, module_path = _tfbiggan_variants(folder)
    timed = [v for v in pytorch + ours if v.make_call is not None]
    print(f"{name} on the CPU ({os.cpu_count()} cores; torch threads {threads}), truncation "
          f"{FLAGS.truncation}, median of {FLAGS.calls} calls in turn after a first call",
          flush=True)
    rates = {batch: _time_in_turn(timed, batch) for batch in batch_sizes} if FLAGS.timed else {}
    fresh = []
    for _ in range(FLAGS.fresh_loads):
      fresh.append((_fresh(_FRESH_TFBIGGAN, module_path, batch_sizes[0]),
                    _fresh(_FRESH_KERAS, module_path, batch_sizes[0]),
                    _fresh(_FRESH_PYTORCH, state_dict, batch_sizes[0], json.dumps(fields))))
  baselines = [v for v in pytorch if "compile" in v.label] or pytorch[:1]
  print(f"  {'':44s} {'size MiB':>8s} {'load s':>6s}" + "".join(
      f" | batch {b}: {'1st s':>6s} {'images/s':>8s} " + " ".join(
          f"{'vs ' + ('bf16' if 'bf16' in base.label else 'f32'):>7s}" for base in baselines)
      for b in rates))
  for variant in pytorch + ours:
    row = f"  {variant.label:44s} {variant.megabytes:8.1f} {variant.load_seconds:6.2f}"
    for batch in rates:
      if variant.make_call is None:
        row += f" | {'':>8s} {'-':>6s} {'-':>8s} " + " ".join(f"{'-':>7s}" for _ in baselines)
        continue
      rate = rates[batch][variant]
      row += (f" | {'':>8s} {variant.first[batch]:6.2f} {rate:8.2f} " +
              " ".join(f"{rate / rates[batch][base]:6.2f}x" for base in baselines))
    print(row)
  for index, (module, keras, (pt_load, pt_first)) in enumerate(fresh):
    pytorch_total = pt_load + pt_first
    print(f"  fresh process {index + 1}, batch {batch_sizes[0]}: PyTorch state dict "
          f"{pt_load:.2f} s + first batch {pt_first:.2f} s = {pytorch_total:.2f} s; " + "; ".join(
              f"{label} {load:.2f} + {first:.2f} = {load + first:.2f} s "
              f"(x{(load + first) / pytorch_total:.2f})"
              for label, (load, first) in (("tfbiggan module", module),
                                           ("tfbiggan.load_pretrained", keras))))


if __name__ == "__main__":
  app.run(main)
