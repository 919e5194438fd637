"""Training at scale: what a training step of each preset costs, and how the paper's batch
fits on accelerators (docs/training-at-scale.md). Measured here, per preset:

  * FLOPs of a training step (the preset's d_steps D updates and one G update), counted by
    TF's profiler on the traced per-replica step at two batch sizes: a part per image of the
    global batch and a fixed part (orthogonal regularisation, SN's power iterations);
  * the memory of the trained state: G, D and EMA G weights and both Adams' two slots, all
    float32, counted from the variables (exact);
  * activation memory per image of the batch: the slope of the peak resident memory of a
    training step (1 D update + 1 G update, float32; the peak of a step after the traced
    one) at two batch sizes, each in its own process (`step_memory.py`), on this CPU. A
    preset left out of --memory_presets (a 512 px step does not fit two batch sizes in
    24 GiB) takes the figure of its family's
    largest measured resolution, scaled by the ratio of their pixels: the networks are
    convolutional, and attention sits at 64 x 64 in all of them.

Then, for each accelerator (peak dense bfloat16 / float16 rate and memory from its maker's
spec sheet) and a number of them: the per-device batch and accumulations that fit the
preset's global batch, and the step time, images/s and days to 150k and 250k steps at an
assumed model FLOP utilisation. These are estimates, and printed as such: the activations
are taken at half their float32 size (bfloat16 or float16), 10 % of each device's memory is
left to the framework, and XLA's memory planning on a TPU or GPU is not TF's on a CPU.

  python benchmarks/training_at_scale.py                         # every preset (about 30 min)
  python benchmarks/training_at_scale.py --presets=biggan-deep-128 --skip_memory
  python benchmarks/training_at_scale.py --mfu=0.5 --global_batch=256
"""

import json
import math
import os
import subprocess
import sys
import time

from absl import app
from absl import flags

import machine
from flops import step_flops

PRESETS = ("biggan-128", "biggan-256", "biggan-512", "biggan-deep-128", "biggan-deep-256",
           "biggan-deep-512")
# name: (peak dense TFLOP/s in the reduced precision, memory GiB, precision, devices shown).
# Maker's spec sheets: Cloud TPU system architecture pages (v4, v5e, v5p), NVIDIA's A100,
# H100 SXM and T4 data sheets (tensor-core rates without sparsity).
ACCELERATORS = {
    "TPU v4": (275, 32, "bfloat16", 32),
    "TPU v5e": (197, 16, "bfloat16", 64),
    "TPU v5p": (459, 95, "bfloat16", 32),
    "A100 80GB": (312, 80, "bfloat16", 8),
    "H100 SXM": (989, 80, "bfloat16", 8),
    "T4": (65, 16, "float16", 1),
}
FRAMEWORK_SHARE = 0.10  # Of each device's memory, left to the runtime and workspace.
REDUCED_ACTIVATIONS = 0.5  # bfloat16 / float16 activations against float32 (2 of 4 bytes).

flags.DEFINE_list("presets", list(PRESETS), "Presets to measure.")
flags.DEFINE_list("flop_batches", ["2", "4"], "Two per-replica batch sizes to count FLOPs at.")
# Batches 1 and 2 gave no slope for biggan-deep-128 (the allocator reuses freed blocks): the
# two sizes must be far apart.
flags.DEFINE_list("memory_batches", ["2", "8"], "Two batch sizes to measure memory at.")
flags.DEFINE_bool("skip_memory", False, "Leave out the activation memory (and the fits).")
flags.DEFINE_list("memory_presets", [p for p in PRESETS if "512" not in p],
                  "Presets whose activation memory is measured; the others take their "
                  "family's largest measured one, scaled by the ratio of pixels.")
flags.DEFINE_float("mfu", 0.35, "Assumed model FLOP utilisation of the estimates.",
                   lower_bound=0.01, upper_bound=1.0)
flags.DEFINE_integer("global_batch", None, "Global batch of the estimates (default: each "
                     "preset's, the paper's 2048).", lower_bound=1)
FLAGS = flags.FLAGS


def _flops_and_state(name):
  """(FLOPs per image, fixed FLOPs per step, bytes of weights + EMA + Adam, d_steps)."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  import tfbiggan  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.trainer import Trainer  # pylint: disable=import-outside-toplevel
  counts = {}
  for batch in (int(b) for b in FLAGS.flop_batches):
    config = tfbiggan.get_config(name, batch_size=batch, initializer="normal")
    trainer = Trainer(config, tf.distribute.OneDeviceStrategy("/cpu:0"))
    images = tf.zeros([config.d_steps * batch, config.resolution, config.resolution, 3])
    labels = tf.zeros([config.d_steps * batch], tf.int32)
    counts[batch] = step_flops(trainer, images, labels)
  (b0, f0), (b1, f1) = sorted(counts.items())
  per_image = (f1 - f0) / (b1 - b0)
  state = sum(int(tf.size(v)) * tf.as_dtype(v.dtype).size for v in
              trainer.generator.weights + trainer.discriminator.weights +
              trainer.ema.ema_generator.weights + trainer.g_optimizer.variables +
              trainer.d_optimizer.variables)
  return per_image, f0 - per_image * b0, state, config.d_steps


def _activation_bytes_per_image(name):
  """The slope of a float32 step's peak resident memory over the batch (the second step's
  own peak, `step_memory.py`), bytes per image."""
  peaks = {}
  for batch in (int(b) for b in FLAGS.memory_batches):
    output = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(__file__), "step_memory.py"),
         f"--child_batch={batch}", "--child_accumulations=1", f"--config={name}",
         "--d_steps=1", "--precision=float32"],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")).stdout
    result = json.loads(output.strip().splitlines()[-1])
    # The peak of a step after the traced one where the system tells it (tracing can take
    # more than a small batch's activations), else the process's.
    peaks[batch] = (result["step_peak_gib"] or result["peak_gib"]) * 2 ** 30
  (b0, p0), (b1, p1) = sorted(peaks.items())
  if p1 <= p0:
    raise app.UsageError(f"{name}: the peak memory did not grow from batch {b0} to {b1}: "
                         "measure at batches further apart (--memory_batches)")
  return (p1 - p0) / (b1 - b0)


def _fit(batch, devices, free_bytes, per_image):
  """(per-device batch, accumulations k, micro-batch) for `batch` over `devices`, the
  smallest k whose micro-batch fits in `free_bytes`; None when the batch does not split or
  not even one image fits."""
  if batch % devices or free_bytes < per_image:
    return None
  share = batch // devices
  fits = int(free_bytes // per_image)
  k = next(k for k in range(1, share + 1) if share % k == 0 and share // k <= fits)
  return share, k, share // k


def _gib(value):
  return f"{value / 2 ** 30:.2f}"


def main(argv):
  del argv
  unknown = sorted(set(FLAGS.presets) - set(PRESETS))
  if unknown:
    raise app.UsageError(f"unknown --presets {unknown}; known: {', '.join(PRESETS)}")
  print(f"machine: {machine.describe()}; {time.strftime('%Y-%m-%d')}")
  measured, measured_memory = {}, {}
  print("\n| preset | TFLOP per image (step) | fixed TFLOP per step | weights + EMA + Adam "
        "GiB | activations per image GiB (float32, CPU) |\n| --- | --- | --- | --- | --- |")
  for name in FLAGS.presets:
    start = time.perf_counter()
    per_image, fixed, state, d_steps = _flops_and_state(name)
    activations, how = None, "-"
    if not FLAGS.skip_memory:
      if name in FLAGS.memory_presets:
        activations = _activation_bytes_per_image(name)
        how = _gib(activations)
        measured_memory[name] = activations
      else:
        family, resolution = name.rsplit("-", 1)
        known = [int(n.rsplit("-", 1)[1]) for n in measured_memory
                 if n.rsplit("-", 1)[0] == family and int(n.rsplit("-", 1)[1]) < int(resolution)]
        if known:
          base = f"{family}-{max(known)}"
          ratio = (int(resolution) / max(known)) ** 2
          activations = ratio * measured_memory[base]
          how = f"{_gib(activations)} ({ratio:g} x {base}'s, by pixels)"
    measured[name] = (per_image, fixed, state, d_steps, activations)
    print(f"| {name} ({d_steps} D steps) | {per_image / 1e12:.3f} | {fixed / 1e12:.3f} | "
          f"{_gib(state)} | {how} |  <!-- {time.perf_counter() - start:.0f} s -->",
          flush=True)
  print(f"\nEstimates at {FLAGS.mfu:.0%} MFU (assumed), activations at "
        f"{REDUCED_ACTIVATIONS:g} x float32's, {FRAMEWORK_SHARE:.0%} of memory left to the "
        "framework:")
  print("\n| preset | accelerator | devices | global batch | per device | k | micro-batch | "
        "step s | images/s | days to 150k / 250k steps |\n| --- | --- | --- | --- | --- | --- "
        "| --- | --- | --- | --- |")
  import tfbiggan  # pylint: disable=import-outside-toplevel
  for name, (per_image, fixed, state, _, activations) in measured.items():
    batch = FLAGS.global_batch or tfbiggan.get_config(name).batch_size
    for accelerator, (tflops, memory_gib, precision, devices) in ACCELERATORS.items():
      step_s = (per_image * batch + fixed * devices) / (devices * tflops * 1e12 * FLAGS.mfu)
      fit = "- | - | -"
      if activations is not None:
        free = memory_gib * 2 ** 30 * (1 - FRAMEWORK_SHARE) - state
        found = _fit(batch, devices, free, activations * REDUCED_ACTIVATIONS)
        fit = " | ".join(str(v) for v in found) if found else "does not fit | - | -"
      days = [steps * step_s / 86400 for steps in (150_000, 250_000)]
      print(f"| {name} | {accelerator} ({precision}) | {devices} | {batch} | "
            f"{fit} | {step_s:.2f} | "
            f"{batch / step_s:.0f} | {days[0]:.1f} / {days[1]:.1f} |")
  return 0


if __name__ == "__main__":
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  app.run(main)
