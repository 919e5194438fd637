"""A run whose every path is a bucket: train, export, sample and evaluate with the data, the
run, the module, the outputs and the evaluation reference all on TensorFlow's in-process
`ram://` file system (non-local schemes such as gs:// take the same tf.io.gfile code path),
in one process, and nothing may appear on the local disk."""

import io
import logging
import os

import numpy as np
import pytest
from PIL import Image
import tensorflow as tf

import tfbiggan
from tfbiggan import files
from tfbiggan.modules.generator_module import load_generator_module, sample_class_grid
from tfbiggan.image_grid import save_image_grid
from tfbiggan.metrics import evaluate
from tfbiggan.metrics.classifier import SavedModelClassifier
from tfbiggan.run_dir import RunDir
from tfbiggan.training.loop import TrainOptions, train
from tfbiggan_export.exporter import export_run
from tiny_classifier import write_tiny_classifier
from train_utils import TINY, write_image_folder

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.

BUCKET = "ram://bucket"


def _listing(path):
  return sorted(name.rstrip("/") for name in tf.io.gfile.listdir(path))


@pytest.fixture
def bucket_run(tmp_path, monkeypatch):
  """Trains 2 steps on a folder data set under ram:// into a ram:// run, evaluating at the
  last step, with the working directory set to an empty local folder."""
  monkeypatch.chdir(tmp_path)
  write_image_folder(f"{BUCKET}/images")
  write_tiny_classifier(f"{BUCKET}/classifier", 299)
  config = tfbiggan.get_config("digits-32", **TINY, dataset=f"folder:{BUCKET}/images",
                               num_classes=2, truncation_grid=(0.0, 0.5, 1.0))
  result = train(config, TrainOptions(
      model_dir=f"{BUCKET}/runs/folder", steps=2, steps_per_loop=1, standing_stats_batches=1,
      eval_every=2, eval_samples=20, eval_classifier=f"{BUCKET}/classifier"))
  yield result
  tf.io.gfile.rmtree(BUCKET)


def test_train_export_sample_evaluate_all_on_a_bucket(bucket_run, tmp_path, caplog):
  run = RunDir(f"{BUCKET}/runs/folder")
  assert bucket_run["step"] == 2 and bucket_run["generator"] == run.final_generator_folder
  # The run's layout, in the bucket.
  listing = _listing(run.path)
  for name in ("config.json", "options.json", "class_names.txt", "checkpoint", "ckpt-2.index",
               "generator", "samples", "train", "eval_reference.npz", "best"):
    assert name in listing, listing
  # The evaluated step kept as the best, in the bucket, and exportable from there.
  assert [e["step"] for e in run.read_best()["checkpoints"]] == [2]
  assert "ckpt-2.index" in _listing(run.best_folder)
  assert run.checkpoint_for("best")[0] == run.best_checkpoint_prefix(2)
  assert not [name for name in listing if name.startswith(".")]  # No scratch folder left.
  assert run.read_config().dataset == f"folder:{BUCKET}/images"
  assert run.read_options()["model_dir"] == run.path
  assert run.read_class_names() == ["cat", "dog"]
  assert run.checkpoint_step() == 2 and run.has_final_generator()
  grid = Image.open(io.BytesIO(files.read_bytes(run.sample_path(2))))
  assert grid.size[0] > 8 * 64  # 8 columns of 64 px cells (32 px scaled by 2)
  reference = evaluate.Reference.load(run.eval_reference_path)
  assert reference.num_samples == 8 and reference.features.shape == (8, 3)

  # Export to the bucket, twice (the second replaces the first in place).
  module_path = f"{BUCKET}/modules/folder"
  for overwrite in (False, True):
    assert export_run(run.path, module_path, (0.0, 0.5, 1.0), standing_stats_batches=1,
                      standing_stats_batch_size=8, overwrite=overwrite) == module_path
  assert _listing(f"{BUCKET}/modules") == ["folder"]  # No scratch or old copy left.
  assert "saved_model.pb" in _listing(module_path)
  assert files.read_json(f"{module_path}/assets/metadata.json")["source_run"] == run.path
  with pytest.raises(FileExistsError, match="already exists"):
    export_run(run.path, module_path)

  # Sample the module into a PNG in the bucket; load_pretrained reads it back.
  module = load_generator_module(module_path)
  images, labels = sample_class_grid(module, ["dog", "cat"], samples_per_class=3,
                                     truncation=0.5, seed=1)
  assert labels == ["1 dog", "0 cat"] and images.shape == (6, 32, 32, 3)
  save_image_grid(f"{BUCKET}/out/grid.png", images, 2, 3, labels)
  assert Image.open(io.BytesIO(files.read_bytes(f"{BUCKET}/out/grid.png"))).size[1] > 64
  generator = tfbiggan.load_pretrained(module_path)
  z = tfbiggan.truncated_noise(6, 64, 0.5, seed=1)
  y = tf.one_hot([1, 1, 1, 0, 0, 0], 2)
  np.testing.assert_allclose(generator(z, y, truncation=0.5).numpy(), images, atol=1e-5)

  # Evaluate: the reference statistics are computed once into the bucket, then read back.
  classifier = SavedModelClassifier(f"{BUCKET}/classifier")
  reference_path = f"{BUCKET}/eval/reference.npz"
  real = lambda: (np.asarray(images),)  # pylint: disable=unnecessary-lambda-assignment
  reference, computed = evaluate.load_or_compute_reference(reference_path, real, classifier)
  assert computed and files.exists(reference_path)
  again, computed = evaluate.load_or_compute_reference(reference_path, None, classifier)
  assert not computed and np.array_equal(again.mean, reference.mean)
  curve = evaluate.truncation_curve(module, classifier, reference, [1.0, 0.5], num_samples=20,
                                    batch_size=10, num_splits=2)
  json_path, png_path = evaluate.save_truncation_curve(curve, f"{BUCKET}/eval/curve")
  assert [point["truncation"] for point in files.read_json(json_path)] == [1.0, 0.5]
  assert Image.open(io.BytesIO(files.read_bytes(png_path))).format == "PNG"

  # The run resumes from its checkpoint in the bucket.
  config = run.config()
  caplog.set_level(logging.INFO, logger="absl")
  resumed = train(config, TrainOptions(model_dir=run.path, steps=3, steps_per_loop=1,
                                       standing_stats_batches=1))
  assert resumed["step"] == 3 and run.checkpoint_step() == 3
  assert f"resumed from {run.path}/ckpt-2 at step 2" in caplog.text

  # A fine-tune starts from the module in the bucket: G is one Adam step (about g_lr per
  # weight) from the module's EMA generator.
  fine = train(config, TrainOptions(model_dir=f"{BUCKET}/runs/fine", steps=1,
                                    steps_per_loop=1, standing_stats_batches=1,
                                    init_generator=module_path))
  assert f"fine-tuning from {module_path}" in caplog.text
  moved = [float(np.abs(a.numpy() - b.numpy()).max()) for a, b in
           zip(fine["trainer"].generator.trainable_weights, generator.trainable_weights)]
  assert 0.0 < max(moved) < 1.25 * config.g_lr

  # Nothing reached the local disk: no folder named "ram:", no stray file.
  assert os.listdir(tmp_path) == []
