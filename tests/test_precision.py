"""The choice of precision for "auto": from the GPUs' compute capabilities, else the CPU's
flags."""

import pytest

from tfbiggan.training.precision import choose_precision, cpu_flags


def test_cpu_flags_are_read_from_cpuinfo(tmp_path):
  cpuinfo = tmp_path / "cpuinfo"
  cpuinfo.write_text("processor\t: 0\nmodel name\t: Some CPU\n"
                     "flags\t\t: fpu sse2 avx2 avx512f amx_bf16 amx_tile\n\nprocessor\t: 1\n")
  assert cpu_flags(str(cpuinfo)) == {"fpu", "sse2", "avx2", "avx512f", "amx_bf16", "amx_tile"}
  assert cpu_flags(str(tmp_path / "missing")) == set()


@pytest.mark.parametrize("flags, bfloat16, named", [
    ({"avx2", "avx512f", "amx_bf16", "avx512_bf16"}, True, "AMX"),
    ({"avx2", "avx512f", "avx512_bf16"}, True, "AVX512-BF16"),
    ({"avx2", "avx512f"}, False, "neither"),
    (set(), False, "neither"),
])
def test_auto_picks_bfloat16_only_where_the_cpu_has_native_bfloat16(flags, bfloat16, named):
  precision = choose_precision("auto", flags, gpus=[])
  assert precision.name == ("bfloat16" if bfloat16 else "float32")
  assert named in precision.reason


@pytest.mark.parametrize("gpus, bfloat16, named", [
    ([(8, 0)], True, "compute capability 8.0"),  # A100
    ([(9, 0), (8, 6)], True, "compute capability 8.6"),
    ([(7, 5)], False, "compute capability 7.5); float16 is its fast precision"),  # T4
    ([(8, 0), (7, 0)], False, "compute capability 7.0"),  # the oldest GPU decides
])
def test_on_a_gpu_auto_follows_its_bfloat16_units_not_the_cpu(gpus, bfloat16, named):
  precision = choose_precision("auto", {"amx_bf16"} if not bfloat16 else set(), gpus=gpus)
  assert precision.name == ("bfloat16" if bfloat16 else "float32")
  assert named in precision.reason


def test_an_explicit_precision_wins_and_a_wrong_one_is_named():
  assert choose_precision("float32", {"amx_bf16"}).name == "float32"
  assert choose_precision("bfloat16", set()).policy == "mixed_bfloat16"
  assert choose_precision("float16", {"amx_bf16"}).policy == "mixed_float16"
  with pytest.raises(ValueError, match="one of auto, float32, bfloat16, float16; got 'fp16'"):
    choose_precision("fp16")
