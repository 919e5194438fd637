"""Helpers of the training tests: a tiny config file, the CLI in a subprocess, checkpoints."""

import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

import tfbiggan

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Tiny digits model: orthogonal regularisation and an EMA that blends from step 1, so that
# every term of the recipe is exercised. One D step per G step: each D step is traced on its
# own (about 3 s a trace); the tests of the step itself (test_training_step.py, test_trainer.py's
# paper recipe) run the paper's 2. Learning rates are 1e-4 / 2e-4: the conv
# biases before a BN have an exactly-zero gradient whose float value is rounding noise, and
# Adam (beta1 = 0) turns that noise into steps of up to lr * noise / epsilon, which then
# shift the BN moving means; at lr 2e-4 this alone reaches 1e-5 in 3 steps.
TINY = dict(g_ch=4, d_ch=4, batch_size=8, d_steps=1, ortho_reg=1e-4, ema_start_step=1,
            ema_decay=0.9, g_lr=1e-4, d_lr=2e-4, diff_augment="", lecam_weight=0.0,
            mode_seeking_weight=0.0)


def write_tiny_config(folder, **overrides):
  path = os.path.join(folder, "tiny.json")
  with open(path, "w") as f:
    json.dump(tfbiggan.get_config("digits-32", **{**TINY, **overrides}).to_dict(), f)
  return path


def cli_env(extra=None):
  env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
  env.update(extra or {})
  return env


def write_image_folder(root, classes=("cat", "dog"), per_class=4, size=40):
  """root/train/<class>/<k>.png: plain images, a colour per class, written through gfile (so
  `root` may be on ram:// too)."""
  # pylint: disable=import-outside-toplevel
  from PIL import Image
  from tfbiggan import files
  rng = np.random.default_rng(0)
  for index, name in enumerate(classes):
    for k in range(per_class):
      pixels = np.full((size, size, 3), 60 + 120 * (index % 2), np.uint8)
      pixels += rng.integers(0, 30, pixels.shape, dtype=np.uint8)
      files.save_png(files.join(root, "train", name, f"{k}.png"), Image.fromarray(pixels))
  return root


def train_command(config_path, model_dir, steps, *flags):
  return [sys.executable, "-m", "tfbiggan.cli.train", f"--config={config_path}",
          f"--model_dir={model_dir}", f"--steps={steps}", "--standing_stats_batches=1",
          "--summary_every=1000", *flags]


def run_train(config_path, model_dir, steps, *flags, env=None, check=True):
  result = subprocess.run(train_command(config_path, model_dir, steps, *flags),
                          env=cli_env(env), capture_output=True, text=True, timeout=600)
  if check and result.returncode != 0:
    raise AssertionError(f"tfbiggan-train failed ({result.returncode}):\n{result.stderr[-4000:]}")
  return result


# Bookkeeping, not training state: the save counter, and the run counter that
# PreemptionCheckpointHandler adds to multi-worker checkpoints.
_BOOKKEEPING = ("save_counter", "_CHECKPOINTABLE_OBJECT_GRAPH", "checkpointed_runs")


def checkpoint_values(path):
  """{name: array} of every training variable in a checkpoint."""
  reader = tf.train.load_checkpoint(path)
  return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
          if not name.startswith(_BOOKKEEPING)}


OPTIMIZER_PREFIXES = ("g_optimizer/", "d_optimizer/")


def max_checkpoint_difference(path_a, path_b, optimizer=None):
  """Largest |a - b| / max(1, |b|) over the training variables of two checkpoints.

  optimizer: None for all variables, True for only the optimizers' (Adam slots, counters),
  False for all others (the models' weights and statistics, step, seed).
  """
  a, b = checkpoint_values(path_a), checkpoint_values(path_b)
  assert set(a) == set(b), sorted(set(a) ^ set(b))
  if optimizer is not None:
    a = {k: v for k, v in a.items() if k.startswith(OPTIMIZER_PREFIXES) == optimizer}
  return max(float(np.max(np.abs(a[k].astype(np.float64) - b[k].astype(np.float64))
                          / np.maximum(1.0, np.abs(b[k].astype(np.float64)))))
             for k in a)
