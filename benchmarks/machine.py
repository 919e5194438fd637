"""What the benchmarks ran on: the CPU model and its vector extensions, and its measured peak.

Figures from different machines only compare through a rate measured in the same run, so
every benchmark prints `describe()` and, where it reports speed, `matmul_gflops()`.
"""

import os
import platform
import time

_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")


def cpu_model():
  """The CPU's model name (from /proc/cpuinfo where there is one)."""
  try:
    with open("/proc/cpuinfo", encoding="utf-8") as f:
      for line in f:
        if line.startswith("model name"):
          return line.split(":", 1)[1].strip()
  except OSError:
    pass
  return platform.processor() or platform.machine()


def cpu_flags():
  """The vector extensions among `_FLAGS` that the CPU reports."""
  try:
    with open("/proc/cpuinfo", encoding="utf-8") as f:
      for line in f:
        if line.startswith("flags"):
          present = set(line.split(":", 1)[1].split())
          return [flag for flag in _FLAGS if flag in present]
  except OSError:
    pass
  return []


def describe():
  """One line: CPU model, cores, vector extensions."""
  return (f"{cpu_model()}, {os.cpu_count()} logical cores, "
          f"extensions: {' '.join(cpu_flags()) or 'none of ' + ' '.join(_FLAGS)}")


def matmul_gflops(size=1024, repeats=10, dtype="float32"):
  """The measured rate of a [size, size] @ [size, size] matmul in TensorFlow, GFLOP/s."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  a = tf.random.normal([size, size], dtype=dtype)
  b = tf.random.normal([size, size], dtype=dtype)
  matmul = tf.function(tf.linalg.matmul)
  matmul(a, b).numpy()
  start = time.perf_counter()
  for _ in range(repeats):
    result = matmul(a, b)
  result.numpy()
  return 2 * size ** 3 * repeats / (time.perf_counter() - start) / 1e9
