"""What a run's periodic evaluation keeps: the best checkpoints
(`tfbiggan.training.best_checkpoints`), kept by its metric apart from the rolling ones,
through a resume, and exported by `tfbiggan-export --checkpoint=best` with the metric in the
module's metadata; and D's outputs on training and held-out real images
(`tfbiggan.training.held_out`)."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from PIL import Image

import tfbiggan
from command_runner import run_in_process
from tfbiggan import files
from tfbiggan.data import make_source
from tfbiggan.data.digits import load_digits_array
from tfbiggan.modules.generator_module import load_generator_module, module_metadata
from tfbiggan.run_dir import RunDir, generator_checkpoint
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan.training.best_checkpoints import BestCheckpoints
from tfbiggan.training.held_out import held_out_source
from tfbiggan.training.loop import TrainOptions, train
from tfbiggan_export.exporter import export_run
from tiny_classifier import write_tiny_classifier
from train_utils import TINY


def _fake_checkpoint(run, step):
  """A training checkpoint of `step` holding one variable equal to the step."""
  return tf.train.Checkpoint(value=tf.Variable(float(step))).write(run.file(f"ckpt-{step}"))


def _read_value(prefix):
  return float(tf.train.load_variable(prefix, "value/.ATTRIBUTES/VARIABLE_VALUE"))


def test_the_best_are_kept_in_order_and_the_rest_deleted(tmp_path):
  run = RunDir(str(tmp_path / "run")).create()
  best = BestCheckpoints(run, keep=2, metric="fid")
  kept = [best.offer(step, {"fid": fid, "kid": 0.1}, _fake_checkpoint(run, step))
          for step, fid in [(1, 5.0), (2, 3.0), (3, 4.0), (4, 2.0), (5, 6.0)]]
  assert kept == [True, True, True, True, False]
  record = run.read_best()
  assert [(e["step"], e["value"]) for e in record["checkpoints"]] == [(4, 2.0), (2, 3.0)]
  assert record["checkpoints"][0]["metrics"] == {"fid": 2.0, "kid": 0.1}
  # Each kept copy holds its own step's checkpoint; the dropped ones are gone.
  assert _read_value(run.best_checkpoint_prefix(4)) == 4.0
  assert _read_value(run.best_checkpoint_prefix(2)) == 2.0
  assert sorted(os.listdir(run.best_folder)) == sorted(
      ["best.json"] + [f"ckpt-{s}.{ext}" for s in (2, 4)
                       for ext in ("index", "data-00000-of-00001")])
  # A resumed run compares against the record.
  again = BestCheckpoints(run, keep=2, metric="fid")
  assert not again.offer(6, {"fid": 3.5}, _fake_checkpoint(run, 6))
  assert again.offer(7, {"fid": 2.5}, _fake_checkpoint(run, 7))
  assert [e["step"] for e in run.read_best()["checkpoints"]] == [4, 7]
  with pytest.raises(ValueError, match="keeps its best checkpoints by fid"):
    BestCheckpoints(run, keep=2, metric="inception_score")


def test_higher_is_better_for_the_inception_score(tmp_path):
  run = RunDir(str(tmp_path / "run")).create()
  best = BestCheckpoints(run, keep=1, metric="inception_score")
  for step, score in [(1, 2.0), (2, 3.0), (3, 2.5)]:
    best.offer(step, {"inception_score": score}, _fake_checkpoint(run, step))
  assert [e["step"] for e in run.read_best()["checkpoints"]] == [2]
  with pytest.raises(ValueError, match="best_metric must be one of fid, kid, inception_score"):
    BestCheckpoints(run, metric="precision")


def _logged(model_dir, tag):
  """{step: value} of the scalar `tag` the run logged to TensorBoard."""
  logged = {}
  folder = os.path.join(model_dir, "train")
  for name in os.listdir(folder):
    for event in tf.compat.v1.train.summary_iterator(os.path.join(folder, name)):
      for value in event.summary.value:
        if value.tag == tag:
          logged[event.step] = float(tf.make_ndarray(value.tensor))
  return logged


@pytest.fixture(scope="module")
def evaluated_run(tmp_path_factory):
  """A tiny digits run evaluated at every step (1-4, resumed after 2), one rolling
  checkpoint, the 3 best kept."""
  folder = tmp_path_factory.mktemp("best")
  classifier = str(folder / "classifier")
  write_tiny_classifier(classifier, 299)
  model_dir = str(folder / "run")
  config = tfbiggan.get_config("digits-32", **TINY)
  for steps in (2, 4):
    train(config, TrainOptions(model_dir=model_dir, steps=steps, steps_per_loop=1,
                               checkpoint_every=100, keep_checkpoints=1, keep_best=3,
                               standing_stats_batches=0, eval_every=1, eval_samples=20,
                               eval_classifier=classifier))
  return model_dir


def test_a_run_keeps_its_best_evaluations_through_a_resume(evaluated_run):
  run = RunDir(evaluated_run)
  logged = _logged(evaluated_run, "eval/fid")
  assert sorted(logged) == [1, 2, 3, 4]
  assert len(set(logged.values())) == 4  # Distinct values: the ranking means something.
  expected = sorted(logged, key=logged.get)[:3]
  record = run.read_best()
  assert [e["step"] for e in record["checkpoints"]] == expected
  assert [e["value"] for e in record["checkpoints"]] == pytest.approx(
      [logged[s] for s in expected], rel=1e-6)
  assert os.path.basename(run.latest_checkpoint()) == "ckpt-4"  # The one rolling checkpoint.
  for step in expected:  # Kept although the rolling checkpoints were deleted.
    assert tf.train.load_variable(run.best_checkpoint_prefix(step),
                                  "step/.ATTRIBUTES/VARIABLE_VALUE") == step


def test_d_is_measured_on_training_and_held_out_digits(evaluated_run):
  """The digits' test split is the held-out one; at each evaluation the run logs D's mean
  output and the share called real on the first 360 images of each split (test has 360)."""
  logged = {name: _logged(evaluated_run, f"d_held_out/{name}") for name in
            ("train_mean", "train_accuracy", "held_out_mean", "held_out_accuracy", "gap")}
  assert all(sorted(values) == [1, 2, 3, 4] for values in logged.values()), logged
  discriminator = RunDir(evaluated_run).load_discriminator()  # Step 4's.
  for split, name in (("train", "train"), ("test", "held_out")):
    images, labels = load_digits_array(split)
    outputs = discriminator(images[:360], tf.one_hot(labels[:360], 10), training=False).numpy()
    assert logged[f"{name}_mean"][4] == pytest.approx(float(outputs.mean()), abs=1e-5)
    assert logged[f"{name}_accuracy"][4] == pytest.approx(float((outputs > 0).mean()))
  assert logged["gap"][4] == pytest.approx(logged["train_mean"][4] - logged["held_out_mean"][4])
  assert logged["train_mean"][4] != logged["held_out_mean"][4]


def _image_folder(root, split, classes):
  for name in classes:
    files.save_png(files.join(root, split, name, "0.png"),
                   Image.fromarray(np.zeros((8, 8, 3), np.uint8)))


def test_the_held_out_split_is_one_with_the_training_classes(tmp_path):
  root = str(tmp_path / "images")
  _image_folder(root, "train", ("cat", "dog"))
  train_source = make_source(f"folder:{root}", 32)
  assert held_out_source(train_source, f"folder:{root}", 32) is None  # No other split.
  _image_folder(root, "test", ("cat", "cow"))  # Other classes: not comparable.
  assert held_out_source(train_source, f"folder:{root}", 32) is None
  _image_folder(root, "val", ("cat", "dog"))
  assert held_out_source(train_source, f"folder:{root}", 32).split == "val"
  digits = make_source("digits", 32)
  assert held_out_source(digits, "digits", 32).split == "test"


def test_export_takes_the_best_checkpoint_and_says_so(evaluated_run, tmp_path):
  run = RunDir(evaluated_run)
  best = run.read_best()["checkpoints"][0]
  grid = (0.5, 1.0)
  path = export_run(evaluated_run, str(tmp_path / "best"), grid, standing_stats_batches=1,
                    standing_stats_batch_size=8, checkpoint="best")
  with open(os.path.join(path, "assets", "metadata.json")) as f:
    metadata = json.load(f)
  assert metadata["training_step"] == best["step"]
  assert metadata["checkpoint"] == dict(which="best", step=best["step"], chosen_by="fid",
                                        value=best["value"], metrics=best["metrics"])
  with open(os.path.join(path, "MODEL_CARD.md")) as f:
    assert f"the best checkpoint by fid (fid {best['value']:.4g} at step {best['step']}" \
        in f.read()


def test_export_of_a_step_draws_that_steps_ema_generator(evaluated_run, tmp_path):
  """A step among the best that is not the newest: read by hand from its kept copy."""
  run = RunDir(evaluated_run)
  step = next(e["step"] for e in run.read_best()["checkpoints"] if e["step"] != 4)
  grid = (0.5, 1.0)
  path = export_run(evaluated_run, str(tmp_path / "m"), grid, standing_stats_batches=1,
                    standing_stats_batch_size=8, checkpoint=str(step))
  generator = tfbiggan.Generator(run.config().replace(truncation_grid=grid))
  generator_checkpoint(generator, skip_truncation_tables=True).read(
      run.best_checkpoint_prefix(step)).expect_partial()
  bake_truncation_statistics(generator, 1, 8, seed=0)
  z = tfbiggan.truncated_noise(4, generator.config.dim_z, truncation=0.5, seed=1)
  y = tf.one_hot([0, 1, 2, 3], 10)
  module = load_generator_module(path)
  out = module.signatures["default"](z=z, y=y, truncation=0.5)["default"].numpy()
  np.testing.assert_allclose(out, generator(z, y, truncation=0.5).numpy(), atol=1e-5)
  assert module_metadata(module)["checkpoint"] == dict(which=str(step), step=step)


@pytest.mark.parametrize("checkpoint, message", [
    ("7", "holds no checkpoint of step 7; it holds steps {held}"),
    ("soon", "a checkpoint is 'latest', 'best' or a step, not 'soon'"),
])
def test_export_names_the_checkpoints_there_are(evaluated_run, tmp_path, checkpoint, message):
  # The rolling checkpoint (step 4) and the three best.
  held = sorted({4} | {e["step"] for e in RunDir(evaluated_run).read_best()["checkpoints"]})
  message = message.format(held=held)
  result = run_in_process("export", f"--model_dir={evaluated_run}",
                          f"--output={tmp_path / 'm'}", f"--checkpoint={checkpoint}")
  assert result.returncode != 0
  error_lines = [line for line in result.stderr.splitlines() if "Error" in line
                 or "error" in line]
  assert len(error_lines) == 1 and message in error_lines[0], result.stderr
  assert not (tmp_path / "m").exists()


def test_a_run_without_evaluations_has_no_best(tmp_path):
  model_dir = str(tmp_path / "run")
  train(tfbiggan.get_config("digits-32", **TINY),
        TrainOptions(model_dir=model_dir, steps=1, standing_stats_batches=0))
  with pytest.raises(FileNotFoundError, match="keeps no best checkpoint.*--eval_every"):
    export_run(model_dir, str(tmp_path / "m"), checkpoint="best")
  assert not (tmp_path / "m").exists()
