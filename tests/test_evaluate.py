"""Evaluation of a generator module: reference statistics, streaming, the truncation curve
and tfbiggan-eval, on a tiny exported digits module and a small digits classifier."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import tfbiggan
from tfbiggan.data import evaluation_dataset, make_source
from tfbiggan.data.digits import load_digits_array
from tfbiggan.metrics import evaluate
from tfbiggan.metrics import (frechet_distance_from_statistics, inception_score,
                              kernel_inception_distance, precision_recall)
from tfbiggan.metrics.classifier import KerasClassifier, activations
from tfbiggan.metrics.digits_classifier import train_digits_classifier
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.exporter import export_generator
from command_runner import run_in_process


@pytest.fixture(scope="module")
def module_path(tmp_path_factory):
  generator = tfbiggan.Generator(tfbiggan.get_config("digits-32", g_ch=4,
                                                     truncation_grid=(0.0, 0.5, 1.0)))
  bake_truncation_statistics(generator, num_batches=1, batch_size=8)
  return export_generator(generator, str(tmp_path_factory.mktemp("m") / "module"))


@pytest.fixture(scope="module")
def classifier():
  return KerasClassifier(train_digits_classifier(*load_digits_array("train"), epochs=2),
                         "features")


@pytest.fixture(scope="module")
def reference(classifier):
  source = make_source("digits", 32, "test")
  batches = (images.numpy() for images, _ in evaluation_dataset(source, 64))
  return evaluate.compute_reference(batches, classifier, description="digits test")


def test_reference_covers_the_split_and_round_trips(reference, classifier, tmp_path):
  assert reference.num_samples == 360
  assert reference.features.shape == (360, 128)
  _, features = activations(load_digits_array("test")[0], classifier)
  np.testing.assert_allclose(reference.mean, features.mean(0), rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(reference.cov, np.cov(features, rowvar=False), rtol=1e-4,
                             atol=1e-4)
  path = reference.save(str(tmp_path / "ref.npz"))
  loaded = evaluate.Reference.load(path)
  np.testing.assert_array_equal(loaded.cov, reference.cov)
  assert loaded.description == "digits test" and loaded.num_samples == 360
  np.savez(tmp_path / "other.npz", x=np.zeros(3))
  with pytest.raises(ValueError, match="is not a tfbiggan reference npz"):
    evaluate.Reference.load(str(tmp_path / "other.npz"))


def test_streaming_evaluation_equals_one_shot(module_path, classifier, reference):
  module = tf.saved_model.load(module_path)
  batches = list(evaluate.module_batches(module, 60, 0.5, batch_size=25))
  assert [len(b) for b in batches] == [25, 25, 10]
  streamed = evaluate.evaluate_batches(iter(batches), classifier, reference, num_splits=3)
  logits, features = activations(np.concatenate(batches), classifier)
  assert streamed["num_samples"] == 60
  assert streamed["inception_score"] == pytest.approx(inception_score(logits, 3), rel=1e-6)
  fid = frechet_distance_from_statistics(features.mean(0), np.cov(features, rowvar=False),
                                         reference.mean, reference.cov)
  assert streamed["fid"] == pytest.approx(fid, rel=1e-4)
  assert streamed["kid"] == pytest.approx(
      kernel_inception_distance(reference.features, features), rel=1e-5)
  assert (streamed["precision"], streamed["recall"]) == pytest.approx(
      precision_recall(reference.features, features), abs=1e-9)


def test_truncation_curve_is_written_as_png_and_json(module_path, classifier, reference,
                                                     tmp_path):
  module = tf.saved_model.load(module_path)
  results = evaluate.truncation_curve(module, classifier, reference, [1.0, 0.5],
                                      num_samples=40, batch_size=20, num_splits=2)
  assert [r["truncation"] for r in results] == [1.0, 0.5]
  # Each point is the streaming evaluation (tested above) of that truncation's samples.
  names = ("inception_score", "fid", "kid", "precision", "recall")
  for r in results:
    streamed = evaluate.evaluate_batches(
        evaluate.module_batches(module, 40, r["truncation"], batch_size=20), classifier,
        reference, num_splits=2)
    assert r["num_samples"] == 40
    for name in names:
      assert r[name] == pytest.approx(streamed[name], rel=1e-4, abs=1e-6), (r, name)
  assert abs(results[0]["fid"] - results[1]["fid"]) > 1e-3 * results[0]["fid"]
  json_path, png_path = evaluate.save_truncation_curve(results, str(tmp_path / "curve"))
  with open(json_path) as f:
    assert json.load(f) == results
  assert Image.open(png_path).size == (660, 504)
  table = evaluate.format_table(results)
  assert table.splitlines()[0].split() == ["truncation", "IS", "FID", "KID", "precision",
                                           "recall"]


def _eval_cli(*flags):
  return run_in_process("evaluate", *flags, command="tfbiggan-eval")


def test_eval_cli_writes_reference_table_and_curve(module_path, tmp_path):
  reference = tmp_path / "digits_ref.npz"
  result = _eval_cli(f"--module={module_path}", "--classifier=digits",
                     f"--reference={reference}", "--reference_dataset=digits",
                     "--reference_split=test", "--truncations=1,0.5", "--num_samples=40",
                     "--batch_size=20", "--num_splits=2", f"--output_dir={tmp_path / 'eval'}")
  assert result.returncode == 0, result.stderr[-3000:]
  assert "wrote the reference statistics (360 images)" in result.stdout
  assert (tmp_path / "eval" / "truncation_curve.png").exists()
  lines = result.stdout.splitlines()
  header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["truncation", "IS"])
  assert [float(lines[header + k].split()[0]) for k in (1, 2)] == [1.0, 0.5]
  assert evaluate.Reference.load(str(reference)).num_samples == 360


def test_eval_cli_bad_input_is_one_line(tmp_path):
  result = _eval_cli(f"--module={tmp_path / 'none'}", f"--reference={tmp_path / 'r.npz'}",
                     "--reference_dataset=digits", "--classifier=digits")
  assert result.returncode == 2 and "no module at" in result.stderr
  assert "Traceback" not in result.stderr
  result = _eval_cli(f"--module={tmp_path}", f"--reference={tmp_path / 'r.npz'}",
                     "--truncations=1.5")
  assert result.returncode == 1 and "--truncations must lie in [0, 1]" in result.stderr
  assert not os.path.exists(tmp_path / "r.npz")


def test_saved_model_classifier_resizes_and_reads_logits_and_features(tmp_path):
  """The interface TF-GAN's Inception module is used through, on a small local SavedModel
  with the same output names ("logits", "pool_3")."""
  from conftest import mirrored_cpu_strategy
  from tfbiggan.metrics.classifier import SavedModelClassifier
  from tiny_classifier import write_tiny_classifier
  net = write_tiny_classifier(str(tmp_path / "net"), 48)
  write_tiny_classifier(str(tmp_path / "signature_only"), 48, callable_root=False)
  images = np.random.default_rng(1).uniform(-1, 1, (5, 32, 32, 3)).astype(np.float32)
  resized = tf.image.resize(images, [48, 48], method="bilinear").numpy()
  cases = [("net", None, None), ("net", "default", None), ("signature_only", None, None),
           ("net", None, mirrored_cpu_strategy(2))]  # Loaded under it: 3 + 2 rows.
  for folder, signature, strategy in cases:
    classifier = SavedModelClassifier(str(tmp_path / folder), signature=signature,
                                      input_size=48, strategy=strategy)
    assert (classifier._fn is classifier.module) == (folder == "net" and signature is None)
    logits, features = classifier(images)
    np.testing.assert_allclose(features, resized.mean(axis=(1, 2)), atol=1e-6)
    np.testing.assert_allclose(logits, features @ net.w.numpy(), atol=1e-5)
  with pytest.raises(ValueError, match="has no signature 'serving'.* and is callable"):
    SavedModelClassifier(str(tmp_path / "net"), signature="serving")
  bad = SavedModelClassifier(str(tmp_path / "net"), features_key="pool", input_size=48)
  with pytest.raises(ValueError, match=r"no output \['pool'\]"):
    bad(images)

def test_training_loop_evaluates_the_ema_generator_into_tensorboard(tmp_path):
  from tfbiggan.metrics.classifier import SavedModelClassifier
  from tfbiggan.run_dir import variables_by_path
  from tfbiggan.sampling import noise_batches
  from tfbiggan.training.loop import TrainOptions, train
  from tiny_classifier import write_tiny_classifier
  from train_utils import TINY
  model_dir = tmp_path / "run"
  classifier_path = str(tmp_path / "classifier")
  write_tiny_classifier(classifier_path, 299)  # A SavedModel path, as for Inception.
  config = tfbiggan.get_config("digits-32", **TINY)
  train(config, TrainOptions(model_dir=str(model_dir), steps=2, steps_per_loop=1,
                             standing_stats_batches=0, eval_every=2, eval_samples=40,
                             eval_classifier=classifier_path))
  reference = evaluate.Reference.load(str(model_dir / "eval_reference.npz"))
  assert reference.num_samples == 1437  # The digits' train split, the run's data.
  assert reference.features.shape == (1437, 3)  # The tiny classifier's mean colours.
  logged = {}
  for name in os.listdir(model_dir / "train"):
    for event in tf.compat.v1.train.summary_iterator(str(model_dir / "train" / name)):
      for value in event.summary.value:
        if value.tag.startswith("eval/"):
          logged.setdefault(value.tag, []).append(
              (event.step, float(tf.make_ndarray(value.tensor))))
  for metric in ("inception_score", "fid", "kid", "precision", "recall"):
    assert [step for step, _ in logged[f"eval/{metric}"]] == [2]  # Once, at step 2.

  # The logged values are those of the EMA generator at step 2 (BN moving averages,
  # truncation 1, the evaluation's seeded noise), not of the raw generator.
  classifier = SavedModelClassifier(classifier_path)

  def measure(group):
    generator = tfbiggan.Generator(config)
    tf.train.Checkpoint(**{group: variables_by_path(generator.weights)}).read(
        str(model_dir / "ckpt-2")).expect_partial()
    fused = evaluate.generate_and_classify(lambda z, y: generator(z, y, training=False),
                                           classifier)
    return evaluate.evaluate_generated(fused, noise_batches(40, 64, 10, 1.0, 50, seed=0), 40,
                                       reference, num_splits=1)

  ema, raw = measure("ema_generator"), measure("generator")
  for metric in ("fid", "inception_score", "kid"):
    value = logged[f"eval/{metric}"][0][1]
    assert value == pytest.approx(ema[metric], rel=1e-4), metric
  assert abs(raw["fid"] - ema["fid"]) > 1e-3 * abs(ema["fid"])  # Distinguishable.


def test_split_across_replicas_equals_one_device():
  from conftest import mirrored_cpu_strategy
  from tfbiggan.distribute.replicas import split_across_replicas
  strategy = mirrored_cpu_strategy(2)
  with strategy.scope():
    generator = tfbiggan.Generator(tfbiggan.get_config("digits-32", g_ch=4))
  z = tfbiggan.truncated_noise(5, 64, 1.0, seed=0)  # Odd: padded to 6, trimmed to 5.
  y = np.eye(10, dtype=np.float32)[[0, 1, 2, 3, 4]]
  expected = generator(z, y, training=False).numpy()

  def fn(z, y):  # A nested output, and which replica made each row.
    replica = tf.distribute.get_replica_context().replica_id_in_sync_group
    return {"images": generator(z, y, training=False),
            "replica": tf.fill([tf.shape(z)[0]], replica)}

  out = split_across_replicas(fn, strategy)(z, y)
  assert out["images"].shape == (5, 32, 32, 3)
  # Other batch shapes per device: oneDNN's float32 sums may differ in their last bits
  # (measured up to 1.2e-6 on an AVX2-only EPYC, 0 on an AVX-512 Xeon).
  assert np.abs(out["images"] - expected).max() <= 1e-5
  assert out["replica"].tolist() == [0, 0, 0, 1, 1]
  single = split_across_replicas(lambda z, y: generator(z, y, training=False))(z, y)
  assert np.abs(single - expected).max() <= 1e-5
  with pytest.raises(ValueError, match="share a non-empty batch axis"):
    split_across_replicas(fn, strategy)(z, y[:3])


def test_truncation_curve_under_a_strategy_equals_one_device(module_path, classifier,
                                                            reference):
  """The module loaded under a 2-replica strategy, the classifier copied under it: each
  replica generates and classifies its rows; the metrics equal the one-device run's."""
  from conftest import mirrored_cpu_strategy
  strategy = mirrored_cpu_strategy(2)
  with strategy.scope():
    module = tf.saved_model.load(module_path)
  replicated = KerasClassifier(classifier.model, "features", strategy=strategy)
  kwargs = dict(num_samples=45, batch_size=15, num_splits=3)  # Batches of 15: 8 + 7 rows.
  [distributed] = evaluate.truncation_curve(module, replicated, reference, [0.5], **kwargs)
  [single] = evaluate.truncation_curve(tf.saved_model.load(module_path), classifier,
                                       reference, [0.5], **kwargs)
  assert distributed["num_samples"] == single["num_samples"] == 45
  for key in ("inception_score", "fid", "kid", "precision", "recall"):
    assert distributed[key] == pytest.approx(single[key], rel=1e-4, abs=1e-6), key
  # Real images classified on the replicas give the one-device reference.
  images = load_digits_array("test")[0][:33]
  for ours, theirs in zip(replicated(images), classifier(images)):
    assert np.abs(ours - theirs).max() <= 1e-5
