"""The README's first command: tfbiggan-demo writes its PNG grids, judges its samples and
writes the truncation curve; bad flags fail cleanly."""

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

from command_runner import run_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args):
  env = dict(os.environ, PYTHONPATH=ROOT, CUDA_VISIBLE_DEVICES="")
  return subprocess.run([sys.executable, "-m", "tfbiggan.cli.demo", *args], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=600)


def test_demo_trains_then_writes_sample_and_truncation_grids(tmp_path):
  result = _run(f"--output_dir={tmp_path}", "--steps=4", "--samples_per_class=3",
                "--truncation_rows=1.0,0.5", "--eval_samples=200", "--judge_epochs=2",
                "--precision=bfloat16")
  assert result.returncode == 0, result.stderr[-2000:]
  # The precision chosen is said, and is the run's.
  assert "for 4 steps into" in result.stdout
  assert "in bfloat16 (bfloat16 as requested" in result.stdout
  with open(tmp_path / "run" / "options.json") as f:
    assert json.load(f)["precision"] == "bfloat16"
  samples = np.asarray(Image.open(tmp_path / "samples.png"))
  truncation = np.asarray(Image.open(tmp_path / "truncation.png"))
  assert samples.shape[0] > truncation.shape[0] > 2 * 64  # 10 rows vs 2 rows of 64 px cells
  assert samples.std() > 10  # not a blank image
  assert "step 4/4" in result.stderr
  assert (tmp_path / "run" / "ckpt-4.index").exists()
  assert (tmp_path / "run" / "generator" / "ema_generator.index").exists()
  assert (tmp_path / "module" / "saved_model.pb").exists()
  assert f"Exported the generator as a TF-Hub module to {tmp_path / 'module'}" in result.stdout
  assert result.stdout.count("of 1,000 samples at truncation") == 2
  # The truncation curve of the exported module, judged by the CNN: five rows and the PNG.
  with open(tmp_path / "eval" / "truncation_curve.json") as f:
    curve = json.load(f)
  assert [point["truncation"] for point in curve] == [1.0, 0.8, 0.6, 0.4, 0.2]
  assert all(point["num_samples"] == 200 and point["fid"] > 0 for point in curve)
  assert Image.open(tmp_path / "eval" / "truncation_curve.png").size == (660, 504)
  # The verdict printed is the one the numbers give (with 4 steps either may hold).
  scores = [point["inception_score"] for point in curve]
  rising = all(a <= b for a, b in zip(scores, scores[1:]))
  verdict = "IS rises monotonically" if rising else "IS does not rise monotonically"
  assert f"{verdict} as the truncation falls ({scores[0]:.2f} at t=1" in result.stdout


def test_bad_flag_is_one_clear_line_and_writes_nothing(tmp_path):
  result = run_in_process("demo", f"--output_dir={tmp_path / 'out'}", "--truncation_rows=0.5,abc")
  assert result.returncode != 0
  assert "--truncation_rows must be comma-separated numbers, got 0.5,abc" in result.stderr
  assert "Traceback" not in result.stderr
  assert not (tmp_path / "out").exists()
  result = run_in_process("demo", f"--output_dir={tmp_path / 'out'}", "--eval_samples=50")
  assert result.returncode != 0 and "--eval_samples must be 0 or at least 200" in result.stderr
  assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_demo_steps_default_only_when_not_given(tmp_path):
  from tfbiggan.training.demo_options import DEMO_STEPS, demo_options  # pylint: disable=import-outside-toplevel
  assert demo_options(str(tmp_path)).steps == DEMO_STEPS
  assert demo_options(str(tmp_path), 0).steps == 0  # --steps=0 redraws; it trains nothing
  assert demo_options(str(tmp_path), 7).steps == 7
