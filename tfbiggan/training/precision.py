"""Choosing the training precision for the machine: float32, or bfloat16 where it is fast.

float16 is there for GPUs without bfloat16 units (T4, V100): it is never chosen by "auto",
which reads the CPU, and training in it scales the loss (`tfbiggan.training.loss_scale`).

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


def choose_precision(requested="auto", flags=None):
  """The precision to train or sample in on this CPU.

  Args:
    requested: "auto" (bfloat16 when the CPU has AMX or AVX512-BF16, else float32),
      "float32", "bfloat16" or "float16".
    flags: CPU flags (default: `cpu_flags()`).

  Returns: a `Precision`.

  Raises:
    ValueError: an unknown `requested`.
  """
  if requested not in PRECISIONS:
    raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {requested!r}")
  if requested != "auto":
    return Precision(requested, f"{requested} as requested")
  flags = cpu_flags() if flags is None else set(flags)
  for flag, name in _BF16_CPU_FLAGS:
    if flag in flags:
      return Precision("bfloat16", f"this CPU has {name} ({flag}): bfloat16 products run natively, "
                             "faster than float32")
  return Precision("float32", "this CPU has neither AMX nor AVX512-BF16, the instructions that "
                          "make bfloat16 faster than float32")

