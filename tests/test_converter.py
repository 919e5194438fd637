"""The converter from the official BigGAN TF-Hub modules: every weight lands, and a converted
BigGAN-deep-128 equals pytorch-pretrained-biggan's independent implementation."""

import math
import os

import numpy as np
import pytest

import tfbiggan
from official_standin import (official_stack_names, random_official_values,
                              write_official_module, write_random_official_module)
from tfbiggan.modules import official_names
from tfbiggan.modules.pretrained import generator_from_official
from tfbiggan_export.converter import convert
from tfbiggan.modules.official import identify_module, read_official_module
from tfbiggan.modules.generator_module import load_generator_module as load_module
from command_runner import run_in_process

SLOW = pytest.mark.slow

# Official name -> our Keras weight, one of each kind of variable per block type, written from
# the spec's tables (§3.1 deep, §3.2 biggan, §3.3 the cross-family rule) and our layers'
# official scope names, not from tfbiggan.modules.official_names. EMA copies are the ones read.
NAME_TABLE = {
    "biggan-128": {
        "linear/w/ema_b999900": "Generator/linear/w",
        "Generator/G_Z/G_linear/w/ema_b999900": "Generator/G_linear/w",
        "Generator/G_Z/G_linear/b/ema_b999900": "Generator/G_linear/b",
        "Generator/G_Z/G_linear/u0": "Generator/G_linear/u0",
        "Generator/G_Z/G_linear/u2": "Generator/G_linear/u2",
        "Generator/GBlock/HyperBN/gamma/w/ema_b999900": "Generator/GBlock/HyperBN/gamma/w",
        "Generator/GBlock/HyperBN/beta/w/ema_b999900": "Generator/GBlock/HyperBN/beta/w",
        "Generator/GBlock/HyperBN/gamma/u1": "Generator/GBlock/HyperBN/gamma/u1",
        "Generator/GBlock_1/HyperBN_1/gamma/w/ema_b999900":
            "Generator/GBlock_1/HyperBN_1/gamma/w",
        "Generator/GBlock_1/HyperBN_1/beta/w/ema_b999900": "Generator/GBlock_1/HyperBN_1/beta/w",
        "Generator/GBlock_2/CrossReplicaBN/accumulated_mean":
            "Generator/GBlock_2/HyperBN/accumulated_mean",
        "Generator/GBlock_2/CrossReplicaBN_1/accumulated_var":
            "Generator/GBlock_2/HyperBN_1/accumulated_var",
        "Generator/GBlock_3/CrossReplicaBN/accumulation_counter":
            "Generator/GBlock_3/HyperBN/accumulation_counter",
        "Generator/GBlock_4/conv0/w/ema_b999900": "Generator/GBlock_4/conv0/w",
        "Generator/GBlock_4/conv1/b/ema_b999900": "Generator/GBlock_4/conv1/b",
        "Generator/GBlock_4/conv_sc/w/ema_b999900": "Generator/GBlock_4/conv_sc/w",
        "Generator/attention/theta/w/ema_b999900": "Generator/attention/theta/w",
        "Generator/attention/phi/w/ema_b999900": "Generator/attention/phi/w",
        "Generator/attention/g/w/ema_b999900": "Generator/attention/g/w",
        "Generator/attention/o_conv/w/ema_b999900": "Generator/attention/o_conv/w",
        "Generator/attention/gamma/ema_b999900": "Generator/attention/gamma",
        "Generator/ScaledCrossReplicaBN/gamma/ema_b999900": "Generator/ScaledCrossReplicaBN/gamma",
        "Generator/ScaledCrossReplicaBN/beta/ema_b999900": "Generator/ScaledCrossReplicaBN/beta",
        "Generator/ScaledCrossReplicaBNbn/accumulated_mean":
            "Generator/ScaledCrossReplicaBN/accumulated_mean",
        "Generator/conv_2d/w/ema_b999900": "Generator/conv_2d/w",
        "Generator/conv_2d/u0": "Generator/conv_2d/u0",
    },
    "biggan-deep-128": {
        "linear/w/ema_0.9999": "Generator/linear/w",
        "Generator/GenZ/G_linear/w/ema_0.9999": "Generator/G_linear/w",
        "Generator/GenZ/G_linear/u0": "Generator/G_linear/u0",
        "Generator/GBlock/BatchNorm/scale/w/ema_0.9999": "Generator/GBlock/HyperBN/gamma/w",
        "Generator/GBlock/BatchNorm/offset/w/ema_0.9999": "Generator/GBlock/HyperBN/beta/w",
        "Generator/GBlock/BatchNorm/scale/u0": "Generator/GBlock/HyperBN/gamma/u0",
        "Generator/GBlock_1/BatchNorm_1/scale/w/ema_0.9999": "Generator/GBlock_1/HyperBN_1/gamma/w",
        "Generator/GBlock_2/BatchNorm_2/offset/w/ema_0.9999": "Generator/GBlock_2/HyperBN_2/beta/w",
        "Generator/GBlock_3/BatchNorm_3/scale/w/ema_0.9999": "Generator/GBlock_3/HyperBN_3/gamma/w",
        "Generator/GBlock_4/conv0/w/ema_0.9999": "Generator/GBlock_4/conv0/w",
        "Generator/GBlock_4/conv1/b/ema_0.9999": "Generator/GBlock_4/conv1/b",
        "Generator/GBlock_5/conv2/w/ema_0.9999": "Generator/GBlock_5/conv2/w",
        "Generator/GBlock_5/conv3/w/ema_0.9999": "Generator/GBlock_5/conv3/w",
        "Generator/GBlock_5/conv3/u0": "Generator/GBlock_5/conv3/u0",
        "Generator/attention/theta/w/ema_0.9999": "Generator/attention/theta/w",
        "Generator/attention/o_conv/w/ema_0.9999": "Generator/attention/o_conv/w",
        "Generator/attention/gamma/ema_0.9999": "Generator/attention/gamma",
        "Generator/BatchNorm/scale/ema_0.9999": "Generator/ScaledCrossReplicaBN/gamma",
        "Generator/BatchNorm/offset/ema_0.9999": "Generator/ScaledCrossReplicaBN/beta",
        "Generator/conv_to_rgb/w/ema_0.9999": "Generator/conv_2d/w",
        "Generator/conv_to_rgb/b/ema_0.9999": "Generator/conv_2d/b",
    },
}


@pytest.mark.smoke
@pytest.mark.parametrize("name", [
    "biggan-128", "biggan-deep-128",
    pytest.param("biggan-256", marks=SLOW), pytest.param("biggan-deep-256", marks=SLOW),
    pytest.param("biggan-512", marks=SLOW), pytest.param("biggan-deep-512", marks=SLOW)])
def test_every_official_weight_lands_in_its_keras_variable(tmp_path, name):
  values, stats = write_random_official_module(str(tmp_path / name), name, seed=1)
  official = read_official_module(str(tmp_path / name))
  assert official.name == name
  generator, landed = generator_from_official(official)
  weights = {w.path: w.numpy() for w in generator.weights}
  for official_name, path in NAME_TABLE.get(name, {}).items():
    np.testing.assert_array_equal(weights[path], values[official_name].reshape(
        weights[path].shape), err_msg=f"{official_name} should land in {path}")
  ema = {official_names.split_ema(n)[0] for n in values if official_names.split_ema(n)[1]}
  expected_landed = {n for n in values if official_names.split_ema(n)[1] or n not in ema}
  assert set(landed) == expected_landed
  for official_name, value in values.items():
    path = official_names.keras_path(official_name)
    ours = weights[path]
    if official_name in expected_landed:
      np.testing.assert_array_equal(ours, value.reshape(ours.shape), err_msg=official_name)
    else:  # A raw copy beside an EMA one: not used.
      assert not np.array_equal(ours, value.reshape(ours.shape)), official_name
  if stats is not None:
    assert generator.config.truncation_grid == tfbiggan.configs.OFFICIAL_TRUNCATION_GRID
    for bn, (mean, var) in zip(generator.batch_norms, stats, strict=True):
      np.testing.assert_array_equal(bn.truncation_means.numpy(), mean)
      np.testing.assert_array_equal(bn.truncation_vars.numpy(), var)
  else:
    assert generator.config.truncation_grid == ()
    bn = generator.blocks[0].batch_norms[0]
    np.testing.assert_array_equal(
        bn.accumulated_mean.numpy(),
        values["Generator/GBlock/CrossReplicaBN/accumulated_mean"])


def _nrm(x):
  """The official graph's normalisation (spec §3.4)."""
  return x / np.sqrt(np.sum(x * x) + 1e-4)


def _pytorch_standin(folder, name):
  """pytorch-pretrained-biggan's BigGAN-deep model `name` with random weights and statistics,
  written as an official module under the inverse of its own conversion map."""
  torch = pytest.importorskip("torch")
  hf = pytest.importorskip("pytorch_pretrained_biggan")
  from pytorch_pretrained_biggan import convert_tf_to_pytorch as hf_convert
  torch.manual_seed(0)
  config = {"biggan-deep-128": hf_convert.BigGAN128, "biggan-deep-256": hf_convert.BigGAN256,
            "biggan-deep-512": hf_convert.BigGAN512}[name]
  model = hf.BigGAN(config).eval()
  shapes = official_names.official_variables(name)
  values = {}
  for official_name, tensor in hf_convert.build_tf_to_pytorch_map(model, config).items():
    array = tensor.detach().numpy()
    if array.ndim == 2:
      array = array.T
    elif array.ndim == 4:
      array = array.transpose(2, 3, 1, 0)
    values[official_name] = array.reshape(shapes[official_name]).astype(np.float32)
  rng = np.random.default_rng(0)
  bns = [getattr(layer, f"bn_{i}") for layer in model.generator.layers
         if hasattr(layer, "bn_0") for i in range(4)] + [model.generator.bn]
  stats = []
  with torch.no_grad():
    for bn in bns:
      mean = rng.normal(0.0, 0.3, bn.running_means.shape).astype(np.float32)
      var = rng.uniform(0.5, 2.0, bn.running_vars.shape).astype(np.float32)
      bn.running_means.copy_(torch.from_numpy(mean))
      bn.running_vars.copy_(torch.from_numpy(var))
      stats.append((mean, var))
    channels = model.generator.bn.weight.shape[0]
    model.generator.bn.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, channels)))
    model.generator.bn.bias.copy_(torch.from_numpy(rng.normal(0, 0.1, channels)))
    values["Generator/BatchNorm/scale/ema_0.9999"] = model.generator.bn.weight.numpy().copy()
    values["Generator/BatchNorm/offset/ema_0.9999"] = model.generator.bn.bias.numpy().copy()
    # The SN vectors the official graph's one power step gives from the stored u0.
    for module in model.modules():
      if hasattr(module, "weight_u"):
        w = module.weight_orig.detach().numpy().reshape(module.weight_orig.shape[0], -1)
        v = _nrm(w.T @ module.weight_u.numpy())
        module.weight_v.copy_(torch.from_numpy(v))
        module.weight_u.copy_(torch.from_numpy(_nrm(w @ v)))
  write_official_module(folder, values, stats, official_stack_names(name))
  return model


@pytest.mark.parametrize("name", ["biggan-deep-128", pytest.param("biggan-deep-256", marks=SLOW),
                                  pytest.param("biggan-deep-512", marks=SLOW)])
def test_converted_deep_equals_pytorch_pretrained_biggan(tmp_path, name):
  torch = pytest.importorskip("torch")
  model = _pytorch_standin(str(tmp_path / "official"), name)
  path, converted = convert(str(tmp_path / "official"), str(tmp_path / "ours"))
  assert converted == name
  module = load_module(path)
  step = 1.0 / 50  # pytorch-pretrained-biggan interpolates unless t / step is integral.
  on_grid = [k / 50 for k in range(1, 51) if math.modf((k / 50) / step)[0] == 0.0]
  worst = 0.0
  for truncation in (on_grid[0], on_grid[len(on_grid) // 2], 1.0):
    z = tfbiggan.truncated_noise(3, 128, truncation, seed=int(truncation * 100))
    y = np.eye(1000, dtype=np.float32)[[1, 207, 980]]
    with torch.no_grad():
      expected = model(torch.from_numpy(z), torch.from_numpy(y), truncation).numpy()
    expected = expected.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    out = module.signatures["default"](z=z, y=y, truncation=truncation)["default"].numpy()
    assert np.mean(np.abs(expected) < 0.98) > 0.2  # Not saturated: a meaningful comparison.
    worst = max(worst, float(np.abs(out - expected).max()))
  print(f"{name}: max |tfbiggan - pytorch-pretrained-biggan| = {worst:.2e}")
  assert worst <= 1e-4
  generator = tfbiggan.load_pretrained(path)
  ours = generator(z, y, truncation=1.0).numpy()
  assert np.abs(ours - out).max() <= 1e-5
  # load_pretrained(<the official folder>) converts it anew: the converting page's example
  # does that (tests/test_docs_run.py), and tests/test_module_resolver.py by name.


def test_identify_module_lists_missing_and_misshaped_variables():
  for name in official_names.MODULES:
    assert identify_module(official_names.official_variables(name)) == name
  shapes = dict(official_names.official_variables("biggan-deep-128"))
  del shapes["Generator/GBlock_3/conv1/w/ema_0.9999"]
  shapes["Generator/conv_to_rgb/b/ema_0.9999"] = (3,)
  with pytest.raises(ValueError) as error:
    identify_module(shapes)
  message = str(error.value)
  assert "closest to the official biggan-deep-128" in message
  assert "missing 1: Generator/GBlock_3/conv1/w/ema_0.9999" in message
  assert "mis-shaped 1: Generator/conv_to_rgb/b/ema_0.9999 [3] (expected [128])" in message
  with pytest.raises(ValueError, match="none of the official BigGAN generator variables"):
    identify_module({"dense/kernel": (3, 4)})


@pytest.mark.smoke
def test_bad_modules_get_a_clear_error_and_nothing_is_written(tmp_path):
  out = tmp_path / "out"
  (tmp_path / "empty").mkdir()
  result = run_in_process("convert", f"--module={tmp_path / 'empty'}", f"--output={out}")
  assert result.returncode == 2
  assert "is not a TF-Hub module: it lacks saved_model.pb" in result.stderr
  assert "Traceback" not in result.stderr
  values = random_official_values("biggan-deep-128")
  small = {name: values[name] for name in list(values)[:3]}  # A truncated module.
  write_official_module(str(tmp_path / "partial"), small)
  result = run_in_process("convert", f"--module={tmp_path / 'partial'}", f"--output={out}")
  assert result.returncode == 2
  assert "closest to the official biggan-deep-128" in result.stderr
  assert "missing 295: " in result.stderr
  assert not out.exists()
  assert sorted(os.listdir(tmp_path)) == ["empty", "partial"]
