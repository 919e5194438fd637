"""The training run end to end: resume exactness (also after SIGKILL), the CLI, bad input."""

import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from command_runner import run_in_process
from train_utils import (cli_env, max_checkpoint_difference, run_train, train_command,
                         write_tiny_config)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
  """One uninterrupted run to step 12 keeping ckpt-3, -6, -9 and -12. It fits its batch
  first (--fit_accumulations): the runs compared with it below do not, so they also show
  that the step it tries leaves the run as it would be."""
  folder = tmp_path_factory.mktemp("reference")
  config = write_tiny_config(str(folder))
  model_dir = str(folder / "run")
  result = run_train(config, model_dir, 12, "--checkpoint_every=3", "--keep_checkpoints=10",
                     "--steps_per_loop=2", "--fit_accumulations")
  return config, model_dir, result


def test_run_writes_config_checkpoints_samples_and_generator(reference):
  config, model_dir, result = reference
  files = set(os.listdir(model_dir))
  assert {"config.json", "options.json", "checkpoint", "train", "samples",
          "generator"} <= files
  assert {f"ckpt-{s}.index" for s in (3, 6, 9, 12)} <= files
  assert not [f for f in files if f.endswith(".tmp") or f.startswith(".generator-")]
  with open(config) as f, open(os.path.join(model_dir, "config.json")) as g:
    assert json.load(f) == json.load(g)
  assert os.listdir(os.path.join(model_dir, "samples")) == ["step_00000012.png"]
  assert "step 12/12" in result.stderr and "images/s" in result.stderr
  # One CPU holds the whole batch of 8: no accumulation.
  assert ("global batch 8 on 1 replica(s) is 8 per replica, in 1 micro-batch(es) of 8"
          in result.stderr)


def test_resume_after_sigkill_equals_one_run(reference, tmp_path):
  config, reference_dir, _ = reference
  model_dir = str(tmp_path / "run")
  process = subprocess.Popen(
      train_command(config, model_dir, 100000, "--checkpoint_every=3", "--steps_per_loop=3",
                    "--keep_checkpoints=100"),
      env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  deadline = time.time() + 300
  # A checkpoint counts once the manager's index file names it (written after its data).
  while tf.train.latest_checkpoint(model_dir) is None:
    assert process.poll() is None and time.time() < deadline
    time.sleep(0.02)
  process.send_signal(signal.SIGKILL)
  process.wait()
  killed_at = int(tf.train.latest_checkpoint(model_dir).rsplit("-", 1)[1])
  assert killed_at in (3, 6, 9)
  # A new run resumes from the last checkpoint and lands where one run does.
  resumed = _train_in_process(config, model_dir, killed_at + 3, "--checkpoint_every=3")
  assert resumed.returncode == 0 and "resumed from" in resumed.stderr, resumed.stderr[-2000:]
  difference = max_checkpoint_difference(
      os.path.join(reference_dir, f"ckpt-{killed_at + 3}"),
      os.path.join(model_dir, f"ckpt-{killed_at + 3}"))
  assert difference <= 1e-6


def _train_in_process(*args):
  """tfbiggan-train in this process (train_command's flags, without the interpreter)."""
  return run_in_process("train", *train_command(*args)[3:])


def test_rerun_at_the_same_steps_does_nothing(reference):
  config, model_dir, _ = reference
  result = _train_in_process(config, model_dir, 12)
  assert result.returncode == 0 and "nothing to train" in result.stderr


def test_resuming_with_another_config_names_the_changed_field(reference):
  config, model_dir, _ = reference
  before = sorted(os.listdir(model_dir))
  result = _train_in_process(config, model_dir, 15, "--d_steps=2", "--g_lr=0.001")
  assert result.returncode == 2
  assert "resume with the run's values of d_steps" in result.stderr
  assert "another --model_dir" in result.stderr
  assert sorted(os.listdir(model_dir)) == before


def _learning_rates(checkpoint):
  """{"g_optimizer": lr, "d_optimizer": lr} as saved in a training checkpoint."""
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  reader = tf.train.load_checkpoint(checkpoint)
  return {name.split("/")[0]: float(reader.get_tensor(name))
          for name, _ in tf.train.list_variables(checkpoint)
          if "learning_rate" in name and name.split("/")[0].endswith("_optimizer")}


def test_a_resumed_run_may_change_its_learning_rates(reference, tmp_path):
  config, reference_dir, _ = reference
  model_dir = str(tmp_path / "run")
  shutil.copytree(reference_dir, model_dir)
  assert _learning_rates(os.path.join(model_dir, "ckpt-12")) == {
      "g_optimizer": pytest.approx(1e-4), "d_optimizer": pytest.approx(2e-4)}
  result = _train_in_process(config, model_dir, 14, "--g_lr=0.001", "--d_lr=0.003",
                             "--checkpoint_every=2")
  assert result.returncode == 0, result.stderr
  assert "resumed with a changed recipe: d_lr 0.0002 -> 0.003, g_lr 0.0001 -> 0.001" in (
      result.stderr)
  # The steps after the resume ran with the new rates, and the run's config says so.
  assert _learning_rates(os.path.join(model_dir, "ckpt-14")) == {
      "g_optimizer": pytest.approx(1e-3), "d_optimizer": pytest.approx(3e-3)}
  with open(os.path.join(model_dir, "config.json")) as f:
    assert json.load(f)["g_lr"] == 1e-3


def test_dry_run_prints_the_resolved_config(tmp_path):
  result = _train_in_process("digits-32", str(tmp_path / "run"), 10, "--dry_run",
                             "--g_lr=3e-4", "--d_steps=2")
  assert result.returncode == 0, result.stderr
  printed = json.loads(result.stdout)
  assert printed["config"]["g_lr"] == 3e-4 and printed["config"]["d_steps"] == 2
  assert printed["options"]["steps"] == 10
  assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flags, message", [
    (["--dataset=folder:/nonexistent/images"], "does not exist"),
    (["--num_classes=12"], "has 10 classes"),
    (["--loss=wasserstein"], "--loss"),
    (["--diff_augment=blur"], "diff_augment"),
])
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, flags, message):
  model_dir = tmp_path / "run"
  result = _train_in_process("digits-32", str(model_dir), 5, *flags)
  assert result.returncode != 0
  assert message in result.stderr, result.stderr[-2000:]
  assert "Traceback" not in result.stderr
  assert not model_dir.exists() or not os.listdir(model_dir)


def test_sigterm_saves_the_current_step_and_a_rerun_resumes(tmp_path):
  config = write_tiny_config(str(tmp_path))
  model_dir = str(tmp_path / "run")
  process = subprocess.Popen(
      train_command(config, model_dir, 100000, "--checkpoint_every=1000",
                    "--steps_per_loop=2"),
      env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
  for line in process.stderr:
    if "step 4/100000" in line:
      process.send_signal(signal.SIGTERM)
      break
  rest = process.stderr.read()
  assert process.wait(timeout=300) == 0, rest[-2000:]
  assert "SIGTERM: saved step" in rest
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  stopped_at = int(tf.train.latest_checkpoint(model_dir).rsplit("-", 1)[1])
  assert stopped_at >= 4 and stopped_at % 2 == 0  # Saved mid-interval, at a loop boundary.
  assert not os.path.exists(os.path.join(model_dir, "generator"))  # Not a finished run.
  result = _train_in_process(config, model_dir, stopped_at + 2)
  assert result.returncode == 0 and f"at step {stopped_at}" in result.stderr, result.stderr[-2000:]
