"""The TF-Hub exporter: the official interface, equality with the in-memory EMA generator,
loading by hub / Keras, bad inputs, atomic writes and the CLI."""

import json
import logging
import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfbiggan
from command_runner import run_in_process
from train_utils import TINY, cli_env
from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID
from tfbiggan.configs.config import BigGANConfig
from tfbiggan.modules.generator_module import module_metadata
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan.run_dir import RunDir
from tfbiggan.training.loop import TrainOptions, train
from tfbiggan_export import exporter
from tfbiggan.modules.generator_module import load_generator_module as load_module

# Two runs of the same graph (a module's signatures, the module in another process or
# another batch): bitwise equal on an AVX-512 Xeon, but on an AVX2-only EPYC oneDNN's
# float32 sums come out up to 1.4e-6 apart (measured). A wrong statistic, truncation or
# class is off by more than 1e-3.
SAME_GRAPH = 1e-5

GRID = (0.0, 0.5, 1.0)
STATS = dict(standing_stats_batches=2, standing_stats_batch_size=8, seed=3)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
  """A real 2-step training run of a tiny digits model (its own grid: 5 points)."""
  model_dir = str(tmp_path_factory.mktemp("run"))
  config = tfbiggan.get_config("digits-32", **TINY)
  train(config, TrainOptions(model_dir=model_dir, steps=2, steps_per_loop=2,
                             standing_stats_batches=1))
  return model_dir


@pytest.fixture(scope="module")
def module_dir(run_dir, tmp_path_factory):
  path = str(tmp_path_factory.mktemp("modules") / "digits")
  exporter.export_run(run_dir, path, GRID, with_discriminator=True, trainable_call=True,
                      **STATS)
  return path


@pytest.fixture(scope="module")
def module(module_dir):
  return load_module(module_dir)


@pytest.fixture(scope="module")
def reference_generator(run_dir):
  """The run's EMA generator with the same statistics baked in memory."""
  generator = RunDir(run_dir).load_ema_generator(truncation_grid=GRID)
  bake_truncation_statistics(generator, STATS["standing_stats_batches"],
                             STATS["standing_stats_batch_size"], seed=STATS["seed"])
  return generator


def _inputs(batch=4, seed=0, truncation=0.5):
  z = tfbiggan.truncated_noise(batch, 64, truncation, seed=seed)
  labels = np.arange(batch) % 10
  return z, labels, tf.one_hot(labels, 10).numpy()


@pytest.mark.smoke
def test_signatures_have_the_official_interface(module):
  for name in ("default", "serving_default"):
    signature = module.signatures[name]
    _, inputs = signature.structured_input_signature
    assert {k: (v.dtype, v.shape.as_list()) for k, v in inputs.items()} == {
        "z": (tf.float32, [None, 64]), "y": (tf.float32, [None, 10]),
        "truncation": (tf.float32, [])}
    outputs = signature.structured_outputs
    assert list(outputs) == ["default"]
    assert outputs["default"].shape.as_list() == [None, 32, 32, 3]
    assert outputs["default"].dtype == tf.float32
  _, inputs = module.signatures["labels"].structured_input_signature
  assert (inputs["y"].dtype, inputs["y"].shape.as_list()) == (tf.int32, [None])


def test_metadata_attributes_assets_and_model_card(module, module_dir):
  assert int(module.dim_z.numpy()) == 64
  assert int(module.num_classes.numpy()) == 10
  assert int(module.resolution.numpy()) == 32
  np.testing.assert_allclose(module.truncation_grid.numpy(), GRID)
  assert [n.decode() for n in module.class_names.numpy()] == [str(i) for i in range(10)]
  with open(os.path.join(module_dir, "assets", "metadata.json")) as f:
    metadata = json.load(f)
  assert metadata["training_step"] == 2
  assert metadata["truncation_grid"] == list(GRID)
  assert metadata["standing_statistics"] == {"batches_per_point": 2, "batch_size": 8, "seed": 3}
  assert json.loads(module.metadata_json.numpy().decode()) == metadata
  with open(os.path.join(module_dir, "assets", "class_names.txt")) as f:
    assert f.read().split() == [str(i) for i in range(10)]
  with open(os.path.join(module_dir, "MODEL_CARD.md")) as f:
    card = f.read()
  assert "Truncation grid with baked BN standing statistics: 3 points" in card
  assert "2 steps" in card
  # The reusable SavedModel API.
  assert len(module.variables) > len(module.trainable_variables) > 0
  assert module.regularization_losses == []
  assert oct(os.stat(module_dir).st_mode & 0o777) != oct(0o700)


@pytest.mark.smoke
@pytest.mark.parametrize("truncation", [0.0, 0.5, 1.0, 0.3, 0.77])
def test_module_equals_in_memory_generator(module, reference_generator, truncation):
  """On grid points and between them (linear interpolation of the BN statistics)."""
  z, labels, y = _inputs(truncation=truncation)
  expected = reference_generator(z, y, truncation=truncation).numpy()
  out = module.signatures["default"](z=z, y=y, truncation=truncation)["default"].numpy()
  assert np.abs(out - expected).max() <= 1e-5
  by_labels = module.signatures["labels"](
      z=z, y=labels.astype(np.int32), truncation=truncation)["default"].numpy()
  assert np.abs(by_labels - out).max() <= SAME_GRAPH
  assert np.abs(module({"z": z, "y": y, "truncation": truncation}).numpy() - out).max() <= \
      SAME_GRAPH
  assert out.min() >= -1.0 and out.max() <= 1.0


@pytest.mark.smoke
@pytest.mark.parametrize("truncation", [1.0, 0.3])
def test_embedding_signature_equals_default(module, truncation):
  """A class's embedding row gives the `default` image of its one-hot y, and a blend of two
  rows the image of the blended (soft) y: the embedding is linear in y."""
  _, inputs = module.signatures["embedding"].structured_input_signature
  assert {k: v.shape.as_list() for k, v in inputs.items()} == {
      "z": [None, 64], "embedding": [None, 32], "truncation": []}
  assert int(module.shared_dim.numpy()) == 32
  rows = module.class_embeddings.numpy()
  assert rows.shape == (10, 32) and np.abs(rows).max() > 0
  z, labels, y = _inputs(batch=6, truncation=truncation)
  y[5] = 0.3 * y[4] + 0.7 * y[3]
  expected = module.signatures["default"](z=z, y=y, truncation=truncation)["default"].numpy()
  out = module.signatures["embedding"](z=z, embedding=tf.constant(y @ rows),
                                       truncation=truncation)["default"].numpy()
  assert np.abs(out - expected).max() <= 1e-5
  assert np.abs(out[5] - out[3]).max() > 1e-3  # The blend is its own image.


def test_embedding_signature_checks_its_inputs(module):
  z, _, _ = _inputs()
  bad = {"embedding must have shape [batch, 32]": (z, tf.zeros((4, 30))),
         "z and embedding must have the same batch size": (z, tf.zeros((3, 32))),
         "embedding must be finite": (z, tf.fill((4, 32), np.nan))}
  for message, (z_value, embedding) in bad.items():
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(message)):
      module.signatures["embedding"](z=tf.constant(z_value), embedding=embedding,
                                     truncation=tf.constant(0.5))


def test_between_grid_points_differs_from_both_neighbours(module):
  z, _, y = _inputs(truncation=0.25)
  at = {t: module.signatures["default"](z=z, y=y, truncation=t)["default"].numpy()
        for t in (0.0, 0.25, 0.5)}
  assert np.abs(at[0.25] - at[0.0]).max() > 1e-4
  assert np.abs(at[0.25] - at[0.5]).max() > 1e-4


def test_a_sample_does_not_depend_on_its_batch(module):
  z, _, y = _inputs(batch=6, truncation=0.7)
  batch = module.signatures["default"](z=z, y=y, truncation=0.7)["default"].numpy()
  alone = module.signatures["default"](z=z[2:3], y=y[2:3], truncation=0.7)["default"].numpy()
  assert np.abs(batch[2:3] - alone).max() <= SAME_GRAPH


def test_hub_keras_layer_and_tfsm_layer_load_it(module, module_dir):
  import keras
  import tensorflow_hub as hub
  z, _, y = _inputs()
  inputs = {"z": tf.constant(z), "y": tf.constant(y), "truncation": tf.constant(0.5)}
  expected = module.signatures["default"](**inputs)["default"].numpy()
  hub_layer = hub.KerasLayer(module_dir, trainable=True)
  assert np.abs(hub_layer(inputs).numpy() - expected).max() <= SAME_GRAPH
  assert len(hub_layer.trainable_weights) == len(module.trainable_variables)
  tfsm_layer = keras.layers.TFSMLayer(module_dir)
  assert np.abs(tfsm_layer(inputs).numpy() - expected).max() <= SAME_GRAPH


def test_same_inputs_give_the_same_image_in_a_new_process(module, module_dir, tmp_path):
  z, _, y = _inputs(seed=7, truncation=0.4)
  expected = module.signatures["default"](z=z, y=y, truncation=0.4)["default"].numpy()
  np.savez(tmp_path / "inputs.npz", z=z, y=y)
  script = ("import sys, numpy as np, tensorflow as tf\n"
            "m = tf.saved_model.load(sys.argv[1]); d = np.load(sys.argv[2])\n"
            "out = m.signatures['default'](z=d['z'], y=d['y'], truncation=0.4)['default']\n"
            "np.save(sys.argv[3], out.numpy())\n")
  subprocess.run([sys.executable, "-c", script, module_dir, str(tmp_path / "inputs.npz"),
                  str(tmp_path / "out.npy")], check=True, env=cli_env(), timeout=300)
  assert np.abs(np.load(tmp_path / "out.npy") - expected).max() <= SAME_GRAPH


def test_training_mode_uses_batch_statistics(module):
  z, _, y = _inputs(batch=8)
  inference = module({"z": z, "y": y, "truncation": 0.5}).numpy()
  variables = {v.name: v.numpy() for v in module.variables}
  training = module({"z": z, "y": y, "truncation": 0.5}, training=True).numpy()
  assert training.shape == inference.shape
  assert np.abs(training - inference).max() > 1e-3
  for v in module.variables:  # Restore the SN vectors and BN averages it updated.
    v.assign(variables[v.name])


def _network_traces(module_dir):
  """The traces of the generator network in the module's graph: FunctionDefs."""
  from tensorflow.core.protobuf import saved_model_pb2  # pylint: disable=import-outside-toplevel
  saved = saved_model_pb2.SavedModel()
  with open(os.path.join(module_dir, "saved_model.pb"), "rb") as f:
    saved.ParseFromString(f.read())
  return [f for f in saved.meta_graphs[0].graph_def.library.function
          if f.signature.name.startswith("__inference_network_")]


def test_a_default_module_holds_one_network_trace(module, module_dir, reference_generator,
                                                  tmp_path):
  """Every signature shares one inference trace (a load restores each trace); the training
  trace comes only with trainable_call."""
  path = exporter.export_generator(reference_generator, str(tmp_path / "plain"))
  assert (len(_network_traces(path)), len(_network_traces(module_dir))) == (1, 2)
  plain = load_module(path)
  z, labels, y = _inputs()
  expected = module.signatures["default"](z=z, y=y, truncation=0.5)["default"].numpy()
  for out in (plain.signatures["default"](z=z, y=y, truncation=0.5)["default"],
              plain.signatures["labels"](z=z, y=labels.astype(np.int32),
                                         truncation=0.5)["default"],
              plain({"z": z, "y": y, "truncation": 0.5})):
    assert np.abs(out.numpy() - expected).max() <= SAME_GRAPH
  with pytest.raises((ValueError, TypeError)):
    plain({"z": z, "y": y, "truncation": 0.5}, training=True)


def test_the_inference_trace_shares_the_grid_weights_and_uses_the_short_sn_step(
    reference_generator, tmp_path):
  """Each op of the network trace is imported at every load, so what is the same for every
  layer is computed once: the truncation's grid position (one comparison with the grid,
  not one per batch norm) and SN's sums as [1, 1] matmuls (the one reduction left counts
  the grid points below the truncation)."""
  path = exporter.export_generator(reference_generator, str(tmp_path / "module"))
  (network,) = _network_traces(path)
  ops = [node.op for node in network.node_def]
  batch_norms = len(reference_generator.batch_norms)
  assert batch_norms > 5
  assert (ops.count("GreaterEqual"), ops.count("Sum"), ops.count("Square")) == (1, 1, 0)
  # Per batch norm: one [1, T] x [T, C] matmul for each of the two statistics tables.
  assert ops.count("ResourceGather") + ops.count("GatherV2") <= 2


def test_discriminator_is_exported_for_fine_tuning(module, run_dir):
  discriminator = RunDir(run_dir).load_discriminator()
  images = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype(np.float32)
  y = tf.one_hot([1, 2, 3], 10)
  expected = discriminator(images, y).numpy()
  logits = module.discriminator({"images": images, "y": y}).numpy()
  assert logits.shape == (3,)
  assert np.abs(logits - expected).max() <= 1e-5
  assert len(module.discriminator.trainable_variables) == len(
      discriminator.trainable_weights)
  features = module.discriminator.features(tf.constant(images)).numpy()
  assert features.shape == (3, discriminator.linear.w.shape[0])
  np.testing.assert_allclose(features, discriminator.features(images).numpy(), atol=1e-5)
  # The logits read those features: linear + class projection (paper §3, projection D).
  read = (discriminator.linear(features)[:, 0]
          + tf.reduce_sum(discriminator.embedding(y) * features, axis=1)).numpy()
  np.testing.assert_allclose(logits, read, rtol=1e-5, atol=1e-4)


@pytest.mark.smoke
def test_load_pretrained_reads_the_weights_without_loading_the_graphs(module_dir, module,
                                                                      monkeypatch):
  """load_pretrained and load_pretrained_discriminator read a tfbiggan module's variables/
  through its object graph (no tf.saved_model.load): the lists in their order, G's first
  weight included (also saved as class_embeddings, so its checkpoint key is that one's)."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.modules.module_weights import ModuleCheckpoint
  from tfbiggan.modules.pretrained import load_pretrained_discriminator
  from tfbiggan.modules.pretrained import load_pretrained_with_class_names
  checkpoint = ModuleCheckpoint(module_dir)
  for owner, variables in (((), module.variables),
                           (("discriminator",), module.discriminator.variables)):
    values = checkpoint.variable_list(*owner, "variables")
    assert len(values) == len(variables) > 20
    for value, variable in zip(values, variables):
      np.testing.assert_array_equal(value.numpy(), variable.numpy())
  assert checkpoint.class_names() == [str(i) for i in range(10)]

  def no_graphs(*args, **kwargs):
    raise AssertionError("tf.saved_model.load called")

  monkeypatch.setattr(tf.saved_model, "load", no_graphs)
  generator, names = load_pretrained_with_class_names(module_dir)
  assert names == [str(i) for i in range(10)]
  z, _, y = _inputs(truncation=0.5)
  want = module.signatures["default"](z=z, y=y, truncation=0.5)["default"].numpy()
  np.testing.assert_allclose(generator(z, y, truncation=0.5).numpy(), want, atol=SAME_GRAPH)
  discriminator, _ = load_pretrained_discriminator(module_dir)
  images = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 3)).astype(np.float32)
  np.testing.assert_allclose(
      discriminator(images, y[:3]).numpy(),
      module.discriminator({"images": images, "y": y[:3]}).numpy(), atol=SAME_GRAPH)
  # The weights were created holding their values (in a keras.StatelessScope): none is left
  # for a later scope to initialise again.
  with keras.StatelessScope():
    pass
  np.testing.assert_allclose(generator(z, y, truncation=0.5).numpy(), want, atol=SAME_GRAPH)


def test_a_variable_list_that_does_not_fit_names_the_variable(module):
  # pylint: disable=import-outside-toplevel,protected-access
  from tfbiggan.modules import pretrained
  config = BigGANConfig.from_dict(module_metadata(module)["config"])
  values = [v.numpy() for v in module.variables]

  def make():
    return tfbiggan.Generator(config)

  for index, value, described in ((3, values[3][:-1], r"float32 \(\d+"),
                                  (5, values[5].astype(np.float64), r"float64 \(\d+")):
    wrong = values[:index] + [value] + values[index + 1:]
    with pytest.raises(ValueError, match=rf"x: variable {index} of its list is {described}"):
      pretrained._built_holding(make, wrong, "x")
  with pytest.raises(ValueError, match=r"x holds \d+ variables; a .+ has \d+"):
    pretrained._built_holding(make, values[:-1], "x")
  with keras.StatelessScope():  # Nothing of the failed builds is left to initialise.
    pass


@pytest.mark.parametrize("case, message", [
    ("z_width", "z must have shape [batch, 64]"),
    ("y_width", "y must have shape [batch, 10]"),
    ("batch", "z and y must have the same batch size"),
    ("truncation_high", "truncation must be in [0, 1]"),
    ("truncation_low", "truncation must be in [0, 1]"),
    ("nan", "z must be finite"),
    ("label_range", "y (class ids) must be < num_classes = 10"),
])
def test_bad_inputs_name_the_input_and_the_expected_value(module, case, message):
  z, labels, y = _inputs()
  kwargs = dict(z=z, y=y, truncation=0.5)
  signature = "default"
  if case == "z_width":
    kwargs["z"] = tf.zeros((4, 60))
  elif case == "y_width":
    kwargs["y"] = tf.zeros((4, 11))
  elif case == "batch":
    kwargs["y"] = y[:3]
  elif case == "truncation_high":
    kwargs["truncation"] = 1.5
  elif case == "truncation_low":
    kwargs["truncation"] = -0.1
  elif case == "nan":
    kwargs["z"] = np.where(np.arange(64) == 5, np.nan, z).astype(np.float32)
  elif case == "label_range":
    signature, kwargs["y"] = "labels", np.array([1, 2, 3, 10], np.int32)
  kwargs = {k: tf.constant(v, tf.int32 if k == "y" and signature == "labels" else tf.float32)
            for k, v in kwargs.items()}
  with pytest.raises((tf.errors.InvalidArgumentError, ValueError)) as error:
    module.signatures[signature](**kwargs)
  assert message in str(error.value)


@pytest.mark.parametrize("name, shape, expected", [("z", (4, 60), "(None, 64)"),
                                                   ("y", (4, 11), "(None, 10)")])
def test_non_tensor_inputs_of_a_wrong_width_fail_at_binding(module, name, shape, expected):
  """Called with numpy or Python values, TensorFlow binds the arguments to the signature's
  static shapes before the module's own checks run (a TypeError that names the input and
  the expected shape); all-tensor calls reach the module's checks (test above)."""
  z, _, y = _inputs()
  kwargs = dict(z=z, y=y, truncation=0.5)
  kwargs[name] = np.zeros(shape, np.float32)
  with pytest.raises(TypeError) as error:
    module.signatures["default"](**kwargs)
  assert f"name='{name}'" in str(error.value) and expected in str(error.value)


def test_xla_module_equals_the_plain_one(reference_generator, tmp_path):
  path = exporter.export_generator(reference_generator, str(tmp_path / "xla"),
                                   jit_compile=True)
  xla_module = load_module(path)
  z, _, y = _inputs(truncation=0.3)
  expected = reference_generator(z, y, truncation=0.3).numpy()
  out = xla_module.signatures["default"](z=z, y=y, truncation=0.3)["default"].numpy()
  assert np.abs(out - expected).max() <= 1e-5
  with pytest.raises(tf.errors.InvalidArgumentError, match="truncation must be in"):
    xla_module.signatures["default"](z=z, y=y, truncation=2.0)
  # Exported without --with_discriminator: reading its D says so.
  from tfbiggan.modules.pretrained import load_pretrained_discriminator  # pylint: disable=import-outside-toplevel
  with pytest.raises(ValueError, match="carries no discriminator; export the run with "
                                       "tfbiggan-export --with_discriminator"):
    load_pretrained_discriminator(path)


def test_zero_standing_batches_reuses_the_runs_own_statistics(run_dir, tmp_path):
  """Without a grid, the export takes the run's own (as `tfbiggan-export --help`'s example
  "--standing_stats_batches=0" does), not the official 51 points."""
  run_grid = tfbiggan.get_config("digits-32").truncation_grid
  assert len(run_grid) != len(OFFICIAL_TRUNCATION_GRID)
  path = exporter.export_run(run_dir, str(tmp_path / "m"), standing_stats_batches=0)
  with open(os.path.join(path, "assets", "metadata.json")) as f:
    assert json.load(f)["truncation_grid"] == list(run_grid)
  generator = RunDir(run_dir).load_ema_generator()
  z, _, y = _inputs(truncation=0.75)
  out = load_module(path).signatures["default"](z=z, y=y, truncation=0.75)["default"]
  assert np.abs(out.numpy() - generator(z, y, truncation=0.75).numpy()).max() <= 1e-5
  with pytest.raises(ValueError, match="standing_stats_batches=0 reuses"):
    exporter.export_run(run_dir, str(tmp_path / "n"), GRID, standing_stats_batches=0)
  assert not os.path.exists(tmp_path / "n")


def test_a_float16_run_logs_its_skipped_updates_and_exports_a_float32_module(tmp_path,
                                                                            caplog):
  """A float16 run says which updates overflowed; its module computes in float32: it equals
  the run's EMA generator built in float32 (a reduced-precision forward pass is ~1e-3 away).
  (tests/test_demo.py exports a bfloat16 run.)"""
  caplog.set_level(logging.INFO, logger="absl")
  model_dir = str(tmp_path / "run")
  trainer = train(tfbiggan.get_config("digits-32", **TINY),
                  TrainOptions(model_dir=model_dir, steps=1, steps_per_loop=1,
                               standing_stats_batches=1, precision="float16"))["trainer"]
  assert trainer.generator.compute_dtype == "float16"
  # The loss scales start at 2^15, where the first updates of this small model overflow
  # (measured: D's first 4 and G's first 2), as the first updates of float16 runs commonly do.
  d_skipped = int(trainer.d_loss_scale.skipped.numpy())
  scale = float(trainer.d_loss_scale.scale.numpy())
  assert d_skipped >= 1 and scale == 2.0 ** 15 / 2 ** d_skipped
  assert (f"float16: {d_skipped} D and {int(trainer.g_loss_scale.skipped.numpy())} G "
          f"update(s) of steps 0 to 1 overflowed and were skipped; loss scales now D {scale:g}"
          in caplog.text)
  run_grid = tfbiggan.get_config("digits-32").truncation_grid
  path = exporter.export_run(model_dir, str(tmp_path / "m"), run_grid,
                             standing_stats_batches=0)
  import keras  # pylint: disable=import-outside-toplevel
  keras.mixed_precision.set_global_policy("float32")
  generator = RunDir(model_dir).load_ema_generator()
  assert generator.compute_dtype == "float32"
  module = load_module(path)
  assert {v.dtype for v in module.variables} <= {tf.float32, tf.int32, tf.int64}
  z, _, y = _inputs(truncation=0.5)
  out = module.signatures["default"](z=z, y=y, truncation=0.5)["default"].numpy()
  assert np.abs(out - generator(z, y, truncation=0.5).numpy()).max() <= 1e-5


@pytest.mark.smoke
@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_a_reduced_precision_load_draws_within_the_stated_bound_of_the_module(
    module_dir, module, precision):
  """load_pretrained(precision="bfloat16" or "float16") computes in it with float32 weights
  and output, within 40 dB PSNR of the module's default signature (docs/benchmarks.md)."""
  from tfbiggan.modules.pretrained import load_pretrained  # pylint: disable=import-outside-toplevel
  generator = load_pretrained(module_dir, precision=precision)
  assert generator.dtype_policy.compute_dtype == precision
  assert {str(w.dtype) for w in generator.weights} == {"float32"}
  for truncation in (0.5, 1.0):
    z, _, y = _inputs(batch=16, truncation=truncation)
    want = module.signatures["default"](z=z, y=y, truncation=truncation)["default"].numpy()
    assert want.std() > 0.1  # Images with contrast, or the bound would say nothing.
    got = generator(z, y, truncation=truncation)
    assert got.dtype == tf.float32
    error = np.abs(got.numpy() - want)
    psnr = 10 * np.log10(4.0 / np.mean(error ** 2))  # Peak to peak 2: images in [-1, 1].
    assert error.max() > 0 and psnr >= 40, (truncation, error.max(), psnr)
  with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16, "
                                       "float16; got 'fp16'"):
    load_pretrained(module_dir, precision="fp16")


def test_export_is_atomic(reference_generator, tmp_path, monkeypatch):
  output = tmp_path / "module"

  def fail(*args, **kwargs):
    raise RuntimeError("disk full")

  monkeypatch.setattr(exporter, "write_generator_module", fail)
  with pytest.raises(RuntimeError, match="disk full"):
    exporter.export_generator(reference_generator, str(output))
  assert os.listdir(tmp_path) == []
  monkeypatch.undo()
  exporter.export_generator(reference_generator, str(output))
  with pytest.raises(FileExistsError, match="--overwrite"):
    exporter.export_generator(reference_generator, str(output))
  first = os.stat(output / "saved_model.pb").st_ino
  exporter.export_generator(reference_generator, str(output), overwrite=True)
  assert os.stat(output / "saved_model.pb").st_ino != first
  assert sorted(os.listdir(tmp_path)) == ["module"]


def _cli(module_name, *flags):
  return run_in_process(module_name.rsplit(".", 1)[1], *flags)


def test_export_cli_errors_are_one_line_and_write_nothing(tmp_path, run_dir):
  result = _cli("tfbiggan.cli.export", f"--model_dir={tmp_path / 'nothing'}",
                f"--output={tmp_path / 'out'}")
  assert result.returncode == 2
  assert "holds no config.json: not a tfbiggan-train run" in result.stderr
  assert "Traceback" not in result.stderr
  result = _cli("tfbiggan.cli.export", f"--model_dir={run_dir}",
                f"--output={tmp_path / 'out'}", "--truncation_grid=1,0.5")
  assert result.returncode == 2
  assert "truncation_grid must increase strictly" in result.stderr
  result = _cli("tfbiggan.cli.export", f"--model_dir={run_dir}")
  assert result.returncode == 1 and "--output is required" in result.stderr
  assert not os.path.exists(tmp_path / "out")


def test_export_and_sample_cli(run_dir, tmp_path):
  from PIL import Image
  module_path = tmp_path / "digits"
  result = _cli("tfbiggan.cli.export", f"--model_dir={run_dir}",
                f"--output={module_path}", "--truncation_grid=0,1",
                "--standing_stats_batches=1", "--standing_stats_batch_size=4")
  assert result.returncode == 0, result.stderr
  assert "standing statistics: truncation 2/2 (100%)" in result.stderr
  png = tmp_path / "grid.png"
  result = _cli("tfbiggan.cli.sample", f"--module={module_path}", "--classes=3,7",
                "--samples_per_class=5", "--truncation=0.6", "--scale=2", f"--out={png}")
  assert result.returncode == 0, result.stderr
  width, height = Image.open(png).size
  assert width > 5 * 64 and 2 * 64 < height < 3 * 64 + 40
  result = _cli("tfbiggan.cli.sample", f"--module={module_path}", "--classes=eleven",
                f"--out={png}")
  assert result.returncode == 2 and "no class is named 'eleven'" in result.stderr
  result = _cli("tfbiggan.cli.sample", f"--module={tmp_path / 'none'}")
  assert result.returncode == 2 and "no module at" in result.stderr

