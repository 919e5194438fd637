"""Choosing the training precision for the machine: float32, or bfloat16 where it is fast.

float16 is there for GPUs without bfloat16 units (T4, V100): it is never chosen by "auto",
which reads the GPUs' compute capabilities, else the CPU's flags; training in it scales the
loss (`tfbiggan.training.loss_scale`).

bfloat16 compute (`TrainOptions.precision`, float32 weights) only pays on hardware with
native bfloat16 matrix units: TPUs, recent GPUs, and x86 CPUs with AMX or AVX512-BF16, where
oneDNN runs bfloat16 convolutions several times faster than float32 (a digits-32 step 1.7x,
`benchmarks/demo_recipes.py`). Other CPUs have no bfloat16 instructions: float32 is the safe
choice there. The same choice serves inference (`tfbiggan.load_pretrained(precision=...)`).
"""

import dataclasses

# /proc/cpuinfo flags of native bfloat16 arithmetic on x86, strongest first.
_BF16_CPU_FLAGS = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX512-BF16"))
# The Keras dtype policy of each precision (weights float32 in all three).
POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
PRECISIONS = ("auto",) + tuple(POLICIES)


@dataclasses.dataclass(frozen=True)
class Precision:
  """A chosen precision: its name ("float32", "bfloat16", "float16"; TrainOptions.precision),
  and why, in words."""
  name: str
  reason: str

  @property
  def policy(self):
    """The Keras dtype policy to build models under (weights float32 in all three)."""
    return POLICIES[self.name]


def cpu_flags(cpuinfo_path="/proc/cpuinfo"):
  """The CPU feature flags the kernel reports (Linux), or an empty set where it cannot tell."""
  try:
    with open(cpuinfo_path, encoding="utf-8") as cpuinfo:  # A local system file.
      for line in cpuinfo:
        if line.startswith("flags"):
          return set(line.split(":", 1)[1].split())
  except OSError:
    pass
  return set()


def gpu_compute_capabilities():
  """The (major, minor) CUDA compute capability of each GPU TensorFlow sees; [] without one."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  found = []
  for gpu in tf.config.list_physical_devices("GPU"):
    capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
    if capability:
      found.append(tuple(capability))
  return found


def choose_precision(requested="auto", flags=None, gpus=None):
  """The precision to train or sample in on this machine.

  Args:
    requested: "auto" (on a GPU: bfloat16 where every GPU has bfloat16 units, compute
      capability 8.0 or more (A100, L4, H100, RTX 30xx and later), else float32; on a CPU:
      bfloat16 when it has AMX or AVX512-BF16, else float32), "float32", "bfloat16" or
      "float16".
    flags: CPU flags (default: `cpu_flags()`).
    gpus: the GPUs' compute capabilities (default: `gpu_compute_capabilities()`, read only
      for "auto").

  Returns: a `Precision`.

  Raises:
    ValueError: an unknown `requested`.
  """
  if requested not in PRECISIONS:
    raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {requested!r}")
  if requested != "auto":
    return Precision(requested, f"{requested} as requested")
  gpus = gpu_compute_capabilities() if gpus is None else list(gpus)
  if gpus:
    oldest = min(gpus)
    named = f"compute capability {oldest[0]}.{oldest[1]}"
    if oldest >= (8, 0):
      return Precision("bfloat16", f"the GPU has bfloat16 units ({named})")
    return Precision("float32", f"the GPU has no bfloat16 units ({named}); float16 is its "
                                "fast precision (--precision=float16)")
  flags = cpu_flags() if flags is None else set(flags)
  for flag, name in _BF16_CPU_FLAGS:
    if flag in flags:
      return Precision("bfloat16", f"this CPU has {name} ({flag}): bfloat16 products run natively, "
                             "faster than float32")
  return Precision("float32", "this CPU has neither AMX nor AVX512-BF16, the instructions that "
                          "make bfloat16 faster than float32")

