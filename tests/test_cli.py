"""The commands: each `--help` lists the command's own flags (run as pip's console-script
wrapper runs it, where absl's `__main__` is not the command's module), no TensorFlow start-up
noise, one error line for bad input, and setup.py's entry points name these modules."""

import os
import re
import subprocess
import sys

import pytest

from command_runner import run_in_process

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each command's module and flags its --help must list (its main ones).
COMMANDS = {
    "train": ("train", ["--config", "--model_dir", "--steps", "--steps_per_loop",
                        "--checkpoint_every", "--precision", "--mixed_precision", "--tpu", "--data_dir",
                        "--g_lr", "--d_lr", "--batch_size", "--loss", "--truncation_grid",
                        "--eval_every", "--dry_run", "--init_generator",
                        "--init_discriminator", "--class_init", "--classes",
                        "--examples_per_class", "--lecam_weight", "--freeze_d_blocks",
                        "--g_trainable", "--keep_best", "--best_metric"]),
    "export": ("export", ["--model_dir", "--output", "--truncation_grid",
                          "--standing_stats_batches", "--with_discriminator", "--overwrite",
                          "--checkpoint"]),
    "sample": ("sample", ["--module", "--classes", "--truncation", "--samples_per_class",
                          "--seed", "--out", "--direction", "--strengths", "--latent"]),
    "interpolate": ("interpolate", ["--module", "--from_class", "--from_latent", "--to_class",
                                    "--seeds", "--steps", "--rows", "--out", "--animation"]),
    "project": ("project", ["--module", "--image", "--class", "--out", "--steps",
                            "--restarts", "--truncation", "--feature_weight", "--seed"]),
    "explore": ("explore", ["--module", "--port", "--batch_size"]),
    "convert": ("convert", ["--module", "--output", "--truncation_grid", "--overwrite"]),
    "eval": ("evaluate", ["--module", "--classifier", "--reference", "--reference_dataset",
                          "--truncations", "--num_samples", "--output_dir", "--tpu"]),
    "demo": ("demo", ["--output_dir", "--steps", "--truncation", "--judge", "--export",
                      "--eval_samples"]),
}
NOISE = re.compile(r"oneDNN|InitializeLog|cuInit|cuda|^[IWE]\d{4} ", re.MULTILINE)


def _console_script(command, *args):
  """Runs the command as pip's wrapper does: `from <module> import run; run()` with
  argv[0] the command's name, TF_CPP_MIN_LOG_LEVEL unset (a user's shell)."""
  module = COMMANDS[command][0]
  code = (f"import sys; sys.argv[0] = 'tfbiggan-{command}'; "
          f"from tfbiggan.cli.{module} import run; sys.exit(run())")
  env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
  env.update(PYTHONPATH=ROOT, CUDA_VISIBLE_DEVICES="")
  return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=300)


def test_entry_points_are_the_cli_modules():
  with open(os.path.join(ROOT, "setup.py"), encoding="utf-8") as f:
    setup = f.read()
  for command, (module, _) in COMMANDS.items():
    assert f'"tfbiggan-{command}=tfbiggan.cli.{module}:run"' in setup


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_lists_the_commands_flags_without_tensorflow_noise(command):
  result = _console_script(command, "--help")
  assert result.returncode == 0, result.stderr
  text = result.stdout + result.stderr
  assert text.startswith(f"tfbiggan-{command}: "), text[:200]  # The module's docstring.
  assert "Example" in text
  for flag in COMMANDS[command][1]:
    name = flag[2:]
    assert re.search(rf"^  --(\[no\])?{name}: \S", text, re.MULTILINE), f"{flag}:\n{text}"
  assert "(default: " in text
  assert not NOISE.search(text), text


def test_help_does_not_load_tensorflow():
  code = ("import sys; sys.argv[0] = 'tfbiggan-train'; from tfbiggan.cli import train; "
          "print('tensorflow' in sys.modules)")
  result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=ROOT), timeout=120)
  assert result.stdout.strip() == "False", result.stderr


def test_a_missing_run_is_one_error_line_without_tensorflow_noise(tmp_path):
  result = _console_script("export", f"--model_dir={tmp_path / 'nothing'}",
                           f"--output={tmp_path / 'module'}")
  assert result.returncode == 2
  assert result.stderr.strip().splitlines() == [
      f"tfbiggan-export: error: {tmp_path / 'nothing'} holds no config.json: not a "
      "tfbiggan-train run (pass the --model_dir given to tfbiggan-train); nothing was "
      f"written to {tmp_path / 'module'}"]
  assert not (tmp_path / "module").exists()


def test_bad_flags_name_the_flag(tmp_path):
  result = run_in_process("train", "--steps=abc")
  assert result.returncode == 1 and "--steps=abc" in result.stderr
  assert "Traceback" not in result.stderr
  result = run_in_process("train", f"--model_dir={tmp_path}", "--steps=2",
                          "--truncation_grid=0,2")
  assert result.returncode == 1 and "--truncation_grid must lie in [0, 1]" in result.stderr
  result = run_in_process("sample", "--classes=1")
  assert result.returncode == 1 and "--module is required" in result.stderr
  result = run_in_process("train", "extra")
  assert result.returncode == 1 and "unexpected arguments: extra" in result.stderr
  assert not os.listdir(tmp_path)


@pytest.mark.parametrize("line, noise", [
    ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
     True),
    ("I0000 00:00:1796180583.663399    5644 port.cc:153] oneDNN custom operations are on.",
     True),
    ("E0000 00:00:1796180459.779777    5200 cuda_platform.cc:52] failed call to cuInit: "
     "INTERNAL: CUDA error", True),
    ("2026-12-02 03:05:00.361053: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:"
     "479] Unable to register cuFFT factory: Attempting to register factory", True),
    ("E0000 00:00:1796180459.779777    5200 saver.cc:52] Failed to write checkpoint", False),
    ("2026-12-02 03:05:00.361053: W tensorflow/core/framework/op_kernel.cc:1] OOM", False),
    ("Traceback (most recent call last):", False),
])
def test_the_start_up_filter_drops_only_known_noise(line, noise):
  from tfbiggan.cli.common import _STARTUP_NOISE  # pylint: disable=import-outside-toplevel
  assert bool(_STARTUP_NOISE.match(line)) == noise
