"""Choosing the training precision for the machine: float32, or bfloat16 where it is fast.

bfloat16 compute (`TrainOptions.mixed_precision`, float32 weights) only pays on hardware with
native bfloat16 matrix units: TPUs, recent GPUs, and x86 CPUs with AMX or AVX512-BF16, where
oneDNN runs bfloat16 convolutions several times faster than float32 (a digits-32 step 1.7x,
`benchmarks/demo_recipes.py`). Other CPUs have no bfloat16 instructions: float32 is the safe
choice there. The same choice serves inference (`tfbiggan.load_pretrained(precision=...)`).
"""

import dataclasses

# /proc/cpuinfo flags of native bfloat16 arithmetic on x86, strongest first.
_BF16_CPU_FLAGS = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX512-BF16"))
PRECISIONS = ("auto", "float32", "bfloat16")


@dataclasses.dataclass(frozen=True)
class Precision:
  """A chosen precision: `mixed_precision` for TrainOptions, and why, in words."""
  mixed_precision: bool
  reason: str

  @property
  def name(self):
    return "bfloat16" if self.mixed_precision else "float32"

  @property
  def policy(self):
    """The Keras dtype policy to build models under (weights float32 either way)."""
    return "mixed_bfloat16" if self.mixed_precision else "float32"


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
      "float32" or "bfloat16".
    flags: CPU flags (default: `cpu_flags()`).

  Returns: a `Precision`.

  Raises:
    ValueError: an unknown `requested`.
  """
  if requested not in PRECISIONS:
    raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {requested!r}")
  if requested != "auto":
    return Precision(requested == "bfloat16", f"{requested} as requested")
  flags = cpu_flags() if flags is None else set(flags)
  for flag, name in _BF16_CPU_FLAGS:
    if flag in flags:
      return Precision(True, f"this CPU has {name} ({flag}): bfloat16 products run natively, "
                             "faster than float32")
  return Precision(False, "this CPU has neither AMX nor AVX512-BF16, the instructions that "
                          "make bfloat16 faster than float32")

