"""Fine-tuning: runs that start from a module or a run, class subsets and class mapping."""

import os

import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from official_standin import write_random_official_module
from tfbiggan.data import make_source
from conftest import mirrored_cpu_strategy
from tfbiggan.modules.pretrained import load_pretrained_with_class_names
from tfbiggan.run_dir import RunDir
from tfbiggan.training import initial_weights
from tfbiggan.training.initial_weights import (MEAN, TrainedModel, class_rows,
                                               initialize_trainer, parse_class_init)
from tfbiggan.training.loop import TrainOptions, train
from tfbiggan.training.trainer import Trainer
from tfbiggan_export.exporter import export_generator, export_run
from command_runner import run_in_process
from train_utils import (TINY, checkpoint_values, max_checkpoint_difference,
                         write_image_folder)


def _trained(config, class_names, seed):
  """A TrainedModel pair (G, D) with random weights of `config` (a stand-in source)."""
  tf.keras.utils.set_random_seed(seed)
  generator = tfbiggan.Generator(config)
  discriminator = tfbiggan.Discriminator(config)
  for model in (generator, discriminator):  # Non-zero statistics and vectors everywhere.
    for weight in model.weights:
      weight.assign(np.random.default_rng(seed).normal(size=weight.shape)
                    .astype(weight.dtype.name if hasattr(weight.dtype, "name") else weight.dtype))
  return (TrainedModel("source-g", generator, list(class_names)),
          TrainedModel("source-d", discriminator, list(class_names)))


def test_trainer_starts_from_the_source_with_class_rows_mapped():
  source_names = ["zero", "one", "two", "tabby, tabby cat"]
  source_config = tfbiggan.get_config("digits-32", **TINY, num_classes=4)
  g_source, d_source = _trained(source_config, source_names, seed=3)
  names = ["one", "kitten", "new"]
  trainer = Trainer(source_config.replace(num_classes=3), mirrored_cpu_strategy(1))
  rows = initialize_trainer(trainer, names, g_source, d_source,
                            parse_class_init("kitten=tabby, tabby cat"))
  assert rows == {"generator": [1, 3, MEAN], "discriminator": [1, 3, MEAN]}
  g_values = {w.path: w.numpy() for w in g_source.model.weights}
  for model in (trainer.generator, trainer.ema.ema_generator):
    for weight in model.weights:
      want = g_values[weight.path]
      if weight.path == "Generator/linear/w":
        want = np.stack([want[1], want[3], want.mean(axis=0)])
      np.testing.assert_array_equal(weight.numpy(), want, err_msg=weight.path)
  d_values = {w.path: w.numpy() for w in d_source.model.weights}
  embedding = trainer.discriminator.embedding.w.numpy()
  np.testing.assert_array_equal(embedding, np.stack([
      d_values["Discriminator/embedding/w"][i] for i in (1, 3)] +
      [d_values["Discriminator/embedding/w"].mean(axis=0)]))
  for weight in trainer.discriminator.weights:
    if weight.path != "Discriminator/embedding/w":
      np.testing.assert_array_equal(weight.numpy(), d_values[weight.path])


def test_class_init_parsing_and_class_errors():
  assert parse_class_init("cat=tabby, tabby cat,dog=207") == {"cat": "tabby, tabby cat",
                                                             "dog": "207"}
  assert parse_class_init(None) == {}
  with pytest.raises(ValueError, match="run_class=source_class"):
    parse_class_init("cat")
  with pytest.raises(ValueError, match="twice"):
    parse_class_init("cat=1,cat=2")
  source = ["0", "1", "2"]
  # Numbers match names, never indices: "5" is a new class here, "2" the source's "2".
  assert class_rows(["5", "2"], source) == [MEAN, 2]
  assert class_rows(["5"], source, {"5": "0"}) == [0]
  with pytest.raises(ValueError, match="which the data set does not have"):
    class_rows(["5"], source, {"7": "0"})
  with pytest.raises(ValueError, match=r"--class_init 5=9: class 9 is out of range"):
    class_rows(["5"], source, {"5": "9"})
  # A name the source gives to two classes must be resolved by hand; an unknown one is new.
  with pytest.raises(ValueError, match="ambiguous.*choose one with --class_init"):
    class_rows(["cat"], ["cat", "cat", "dog"])
  assert class_rows(["fox"], ["cat", "dog"]) == [MEAN]


def test_class_subset_keeps_chosen_classes_and_the_first_examples():
  source = make_source("digits", 32, classes=["5", "6", "9"], examples_per_class=10)
  assert source.num_examples == 30 and source.num_classes == 3
  assert source.class_names == ["5", "6", "9"]
  np.testing.assert_array_equal(source.labels(), np.repeat([0, 1, 2], 10))
  full = make_source("digits", 32)
  first_nine = int(np.flatnonzero(full.labels() == 9)[0])
  image, label = source.element(tf.constant(20, tf.int64))
  np.testing.assert_array_equal(image, full.element(tf.constant(first_nine, tf.int64))[0])
  assert int(label) == 2
  with pytest.raises(ValueError, match="no class is named 'eleven'"):
    make_source("digits", 32, classes=["eleven"])
  with pytest.raises(ValueError, match="named twice"):
    make_source("digits", 32, classes=["5", "5"])


def _options(model_dir, steps, **overrides):
  overrides = {"steps_per_loop": 1, "standing_stats_batches": 0, **overrides}
  return TrainOptions(model_dir=str(model_dir), steps=steps, **overrides)


def test_resolution_or_dim_z_of_another_source_is_named_and_nothing_is_written(tmp_path):
  config = tfbiggan.get_config("digits-32", **TINY)
  source = tmp_path / "source"
  train(config, _options(source, 1))
  resolution_64 = dict(resolution=64, dim_z=80, g_channel_multipliers=(4, 4, 4, 4, 4),
                       d_channel_multipliers=(2, 2, 2, 2, 2))
  for override, expected in [(dict(dim_z=40), "dim_z: 64 in the source, 40 in the run"),
                             (resolution_64, "resolution: 32 in the source, 64 in the run")]:
    target = tmp_path / "target"
    with pytest.raises(ValueError, match=expected):
      train(config.replace(**override), _options(target, 1, init_generator=str(source)))
    assert not target.exists()


def test_a_resumed_run_restores_its_own_checkpoint_not_the_init_weights(tmp_path):
  """A fine-tune stopped after step 1 (in the library) and resumed by tfbiggan-train, which
  takes the run's config when there is no --config and resumes without reading
  --init_generator (which may be gone), lands where an uninterrupted fine-tune does. With
  cross-domain correspondence, whose frozen source G comes back from the checkpoint."""
  import json  # pylint: disable=import-outside-toplevel
  config = tfbiggan.get_config("digits-32", **TINY)
  source = tmp_path / "source"
  train(config, _options(source, 2))
  def weights(path, group):
    """{variable path: value} of a checkpoint group's trained weights (kernels, biases,
    embeddings, BN gains and biases: a frozen G's SN vectors and BN averages still move in
    the training-mode calls that CDC makes)."""
    values = {}
    for key, value in checkpoint_values(path).items():
      name = key.split("/.ATTRIBUTES")[0].split("/", 1)[-1].replace(".S", "/")
      if key.startswith(group + "/") and name.rsplit("/", 1)[-1] in ("w", "b", "gamma", "beta"):
        values[name] = value
    return values

  source_g = weights(str(source / "ckpt-2"), "ema_generator")
  config = config.replace(cdc_weight=1000.0)
  with pytest.raises(ValueError, match="cdc_weight=1000 keeps a fine-tune's samples .* pass "
                                       "--init_generator"):
    train(config, _options(tmp_path / "scratch", 1))
  assert not (tmp_path / "scratch").exists()

  def command(model_dir, steps, *flags):
    return run_in_process(
        "train", f"--init_generator={source}", f"--model_dir={model_dir}", f"--steps={steps}",
        "--classes=3,4", "--examples_per_class=8", "--steps_per_loop=1",
        "--standing_stats_batches=0", *flags)

  dry = command(tmp_path / "fresh", 2, "--dry_run")
  assert dry.returncode == 0, dry.stderr[-2000:]
  assert json.loads(dry.stdout)["config"]["g_ch"] == 4  # The source's, not digits-32's 8.
  fine_tune = dict(init_generator=str(source), classes="3,4", examples_per_class=8)
  straight = tmp_path / "straight"
  train(config, _options(straight, 2, **fine_tune))
  interrupted = tmp_path / "interrupted"
  train(config, _options(interrupted, 1, **fine_tune))
  # The source is gone: a resumed run does not read it, it continues from its checkpoint.
  tf.io.gfile.rmtree(str(source))
  assert train(config, _options(interrupted, 1, **fine_tune))["stopped"] == "already_done"
  resumed = command(interrupted, 2)
  assert resumed.returncode == 0, resumed.stderr[-2000:]
  run = RunDir(str(interrupted))
  assert run.checkpoint_step() == 2
  assert run.read_class_names() == ["3", "4"] and run.config().num_classes == 2
  # G, D, their EMA and optimizers, the step and the seed: not the source's weights again.
  assert max_checkpoint_difference(str(interrupted / "ckpt-2"), str(straight / "ckpt-2")) <= 1e-6
  # CDC's source is the fine-tune's G as it started: the source run's, its classes 3 and 4.
  kept = weights(str(interrupted / "ckpt-2"), "source_generator")
  assert len(kept) > 20 and kept.keys() == source_g.keys()
  for name, value in kept.items():
    want = source_g[name][[3, 4]] if name == "Generator/linear/w" else source_g[name]
    np.testing.assert_array_equal(value, want, err_msg=name)


def _assert_started_from(trainer, initial, rows, lr, steps=2):
  """G's weights are within `steps` Adam steps of the source's (the class embedding's rows
  taken from `rows`), and moved."""
  source = {w.path: w.numpy() for w in initial.model.weights}
  source["Generator/linear/w"] = source["Generator/linear/w"][rows]
  moved = {w.path: float(np.max(np.abs(w.numpy() - source[w.path])))
           for w in trainer.generator.trainable_weights}
  # Adam with beta1 = 0 moves a weight by at most about lr per step.
  assert max(moved.values()) < 1.25 * steps * lr, max(moved, key=moved.get)
  assert max(moved.values()) > 0.1 * lr  # It trained.


def test_a_module_with_its_d_fine_tunes_on_a_folder_and_exports(tmp_path):
  """A narrow BigGAN-deep exported with its D as a module (the format tfbiggan-convert
  writes), fine-tuned for 2 steps on 8 images of two classes (one new), then exported."""
  config = tfbiggan.get_config("biggan-deep-128", g_ch=8, d_ch=8, resolution=16,
                               g_channel_multipliers=(4, 4, 4, 4, 4),
                               d_channel_multipliers=(4, 4, 4, 4, 4),
                               g_attention_block=None, d_attention_block=None, num_classes=5,
                               truncation_grid=(0.5, 1.0), batch_size=2, d_steps=1,
                               ema_start_step=0)
  source_module = str(tmp_path / "source_module")
  source_d = tfbiggan.Discriminator(config)
  export_generator(tfbiggan.Generator(config), source_module, list("abcde"),
                   discriminator=source_d)
  images = write_image_folder(str(tmp_path / "images"), ("d", "kitten"), per_class=4)
  run = tmp_path / "run"
  result = train(config.replace(dataset=f"folder:{images}"),
                 _options(run, 2, init_generator=source_module, class_init="kitten=a",
                          init_discriminator=source_module))
  initial = initial_weights.load_initial_generator(source_module)
  _assert_started_from(result["trainer"], initial, [3, 0], config.g_lr)
  d_moved = max(float(np.max(np.abs(w.numpy() - v.numpy()))) for w, v in zip(
      result["trainer"].discriminator.trainable_weights, source_d.trainable_weights)
      if w.path != "Discriminator/embedding/w")
  assert 0.1 * config.d_lr < d_moved < 2.5 * config.d_lr
  module = str(tmp_path / "module")
  export_run(str(run), module, (0.5, 1.0), standing_stats_batches=1,
             standing_stats_batch_size=2)
  loaded, class_names = load_pretrained_with_class_names(module)
  assert loaded.config.num_classes == 2 and class_names == ["d", "kitten"]
  assert loaded(tf.random.normal([2, config.dim_z]), tf.one_hot([0, 1], 2)).shape == (
      2, 16, 16, 3)
  # The module is the run's EMA generator, which started from the source at step 0: its
  # weights are within the run's 2 Adam steps of the source's (rows mapped), and its
  # spectral-norm vectors are the trained G's (the EMA copies them at every step).
  source = {w.path: w.numpy() for w in initial.model.weights}
  source["Generator/linear/w"] = source["Generator/linear/w"][[3, 0]]
  trained = {w.path: w.numpy() for w in result["trainer"].generator.weights}
  for weight in loaded.weights:
    if weight.trainable:
      assert np.abs(weight.numpy() - source[weight.path]).max() < 2.5 * config.g_lr, \
          weight.path
    elif weight.path.rsplit("/", 1)[-1].startswith("u"):
      np.testing.assert_array_equal(weight.numpy(), trained[weight.path], err_msg=weight.path)


@pytest.mark.slow
def test_converted_official_module_fine_tunes_on_a_folder_and_exports(tmp_path):
  """A biggan-deep-128 stand-in (official names and shapes, random values), read as an
  official module folder, fine-tuned for 2 steps on 8 images with a fresh D, exported.
  (Full width: about 4 minutes on 2 CPU cores.)"""
  official = str(tmp_path / "official")
  write_random_official_module(official, "biggan-deep-128", seed=2)
  images = write_image_folder(str(tmp_path / "images"), ("goldfish", "my_cat"), per_class=4,
                              size=136)
  initial = initial_weights.load_initial_generator(official)
  assert initial.config.name == "biggan-deep-128" and len(initial.class_names) == 1000
  config = initial.config.replace(dataset=f"folder:{images}", batch_size=2, d_steps=1,
                                  truncation_grid=(0.5, 1.0), g_lr=1e-4, d_lr=1e-4)
  run = tmp_path / "run"
  result = train(config, _options(run, 2, init_generator=official,
                                  class_init="my_cat=tabby"), initial_generator=initial)
  assert result["step"] == 2
  trainer = result["trainer"]
  # Goldfish (class 1) keeps its name's row, my_cat starts from tabby's (281).
  _assert_started_from(trainer, initial, [1, 281], 1e-4)
  module = str(tmp_path / "module")
  export_run(str(run), module, (0.5, 1.0), standing_stats_batches=1,
             standing_stats_batch_size=2)
  loaded = tfbiggan.load_pretrained(module)
  assert loaded.config.num_classes == 2 and loaded.config.resolution == 128
  images_out = loaded(tf.random.normal([2, 128]), tf.one_hot([0, 1], 2), truncation=0.5)
  assert images_out.shape == (2, 128, 128, 3)
  assert np.isfinite(images_out.numpy()).all()


def test_cli_names_a_missing_init_generator_in_one_line(tmp_path):
  result = run_in_process("train", f"--init_generator={tmp_path}/nothing",
                          f"--model_dir={tmp_path}/run", "--steps=1")
  assert result.returncode == 2
  assert result.stderr.strip().splitlines() == [
      f"tfbiggan-train: error: --init_generator: no module at {tmp_path}/nothing; give a "
      "module folder, a .tar.gz, a URL, a Kaggle handle or a short name (biggan-128, "
      "biggan-256, biggan-512, biggan-deep-128, biggan-deep-256, biggan-deep-512)"]
  assert not os.path.exists(f"{tmp_path}/run")
