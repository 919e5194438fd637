"""Sampling a module in a reduced precision (`module_in_precision`, the commands'
--precision): the images stay within the stated bound of the module's float32 signatures,
and everything else is the module's."""

import numpy as np
from PIL import Image
import pytest

from tfbiggan.explorer import NUM_DIRECTIONS, Explorer
from tfbiggan.latent.projection import project
from tfbiggan.modules.generator_module import (generate, generate_from_embedding,
                                               load_generator_module, module_class_embeddings,
                                               module_class_names, module_resolution,
                                               module_sizes)
from tfbiggan.modules.module_precision import ModuleInPrecision, module_in_precision
from tfbiggan.sampling import class_grid_inputs
from tfbiggan.training import precision as precision_module
from command_runner import run_in_process


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory):
  """A digits-32 module with random weights and standing statistics baked at each point of
  its truncation grid (they differ, so a view that read the wrong ones would show)."""
  # pylint: disable=import-outside-toplevel
  import keras
  import tfbiggan
  from tfbiggan.standing_statistics import bake_truncation_statistics
  from tfbiggan_export.exporter import export_generator
  keras.utils.set_random_seed(7)
  generator = tfbiggan.Generator("digits-32")
  bake_truncation_statistics(generator, num_batches=1, batch_size=8)
  path = str(tmp_path_factory.mktemp("modules") / "digits")
  return export_generator(generator, path)


@pytest.fixture(scope="module")
def module(module_dir):
  return load_generator_module(module_dir)


def _psnr(got, want):
  """dB, images in [-1, 1] (peak to peak 2)."""
  return 10 * np.log10(4.0 / np.mean((got - want) ** 2))


def test_float32_is_the_module_itself_and_auto_follows_the_cpu(module, monkeypatch):
  assert module_in_precision(module, "float32") is module
  monkeypatch.setattr(precision_module, "cpu_flags", lambda: {"avx2", "fma"})
  assert module_in_precision(module, "auto") is module
  monkeypatch.setattr(precision_module, "cpu_flags", lambda: {"avx512f", "amx_bf16"})
  view = module_in_precision(module, "auto")
  assert isinstance(view, ModuleInPrecision) and view.precision == "bfloat16"
  with pytest.raises(ValueError, match="precision must be one of auto, float32, bfloat16, "
                                       "float16; got 'half'"):
    module_in_precision(module, "half")


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_a_reduced_precision_view_draws_within_40_db_of_the_module(module, precision):
  view = module_in_precision(module, precision)
  assert view.generator.dtype_policy.compute_dtype == precision
  assert {str(w.dtype) for w in view.generator.weights} == {"float32"}
  # What sampling, evaluation and projection read of a module is the module's.
  assert module_sizes(view) == module_sizes(module) == (64, 10)
  assert module_resolution(view) == module_resolution(module) == 32
  assert module_class_names(view) == module_class_names(module)
  np.testing.assert_array_equal(module_class_embeddings(view), module_class_embeddings(module))
  for truncation in (0.5, 1.0):
    z, y = class_grid_inputs(list(range(10)), 2, 64, 10, truncation, seed=1)
    want = generate(module, z, y, truncation)
    assert want.std() > 0.1  # Images with contrast, or the bound would say nothing.
    got = generate(view, z, y, truncation)
    assert got.dtype == np.float32 and got.shape == want.shape
    assert np.abs(got - want).max() > 0 and _psnr(got, want) >= 40, (
        truncation, np.abs(got - want).max(), _psnr(got, want))
    # The embedding signature is the same network, entered after the class embedding.
    rows = module_class_embeddings(module)
    np.testing.assert_allclose(generate_from_embedding(view, z, y @ rows, truncation), got,
                               atol=2e-2)
  # Its kernels are frozen (normalised once): a weight changed now changes no image.
  kernel = view.generator.conv_out.w
  kernel.assign(np.zeros(kernel.shape, np.float32))
  np.testing.assert_array_equal(generate(view, z, y, truncation), got)


def test_rebuild_samples_the_module_float32_images_through_frozen_kernels(module_dir, module):
  view = module_in_precision(module, "float32", rebuild=True)
  assert isinstance(view, ModuleInPrecision)
  assert view.generator.dtype_policy.compute_dtype == "float32"
  z, y = class_grid_inputs(list(range(10)), 2, 64, 10, 0.5, seed=2)
  want = generate(module, z, y, 0.5)
  np.testing.assert_allclose(generate(view, z, y, 0.5), want, atol=1e-5)
  # Kernels normalised once: changing a weight now changes no image.
  kernel = view.generator.conv_out.w
  kernel.assign(np.zeros(kernel.shape, np.float32))
  np.testing.assert_allclose(generate(view, z, y, 0.5), want, atol=1e-5)
  # The explorer takes that path in float32; a strategy's replicas keep the module.
  assert isinstance(Explorer(module_dir).module, ModuleInPrecision)
  assert module_in_precision(module, "float32", strategy=object(), rebuild=True) is module


def test_projection_and_the_explorer_run_in_the_reduced_precision(module_dir, module):
  explorer = Explorer(module_dir, precision="bfloat16")
  assert isinstance(explorer.module, ModuleInPrecision)
  full = Explorer(module)
  got, want = (e.samples("7", 0.5, seed=3, count=4) for e in (explorer, full))
  assert np.abs(got - want).max() > 0 and _psnr(got, want) >= 40
  # The directions come from the same float32 weights.
  np.testing.assert_allclose(np.abs(np.sum(explorer.directions() * full.directions(), axis=1)),
                             np.ones(NUM_DIRECTIONS), atol=1e-4)
  # Gradients flow through the bfloat16 network: a projection of one of its own images
  # gets closer to it than its start.
  projection, = project(explorer.module, got[:1], [7], steps=12, restarts=1, seed=0,
                        log_progress=False)
  start, = project(explorer.module, got[:1], [7], steps=1, search_steps=0, restarts=1,
                   seed=0, log_progress=False)
  assert projection.psnr > start.psnr + 1, (start.psnr, projection.psnr)


def test_sample_cli_draws_in_bfloat16_and_refuses_a_module_it_cannot_rebuild(
    module_dir, tmp_path):
  pngs = {}
  for precision in ("float32", "bfloat16"):
    pngs[precision] = tmp_path / f"{precision}.png"
    result = run_in_process("sample", f"--module={module_dir}", "--classes=3,7",
                            "--samples_per_class=4", "--scale=1", f"--precision={precision}",
                            f"--out={pngs[precision]}")
    assert result.returncode == 0, result.stderr
  got, want = (np.asarray(Image.open(pngs[p]), np.float32) / 127.5 - 1 for p in pngs)
  assert got.shape == want.shape and 0 < np.abs(got - want).max()
  assert _psnr(got, want) >= 40
  # A SavedModel with only the default signature has no config to rebuild: one line.
  import tensorflow as tf  # pylint: disable=import-outside-toplevel
  bare = tf.Module()
  bare.default = tf.function(lambda z, y, truncation: {"default": tf.zeros([1, 8, 8, 3])},
                             input_signature=[tf.TensorSpec([None, 4], tf.float32),
                                              tf.TensorSpec([None, 2], tf.float32),
                                              tf.TensorSpec([], tf.float32)])
  tf.saved_model.save(bare, str(tmp_path / "bare"), signatures={"default": bare.default})
  result = run_in_process("evaluate", f"--module={tmp_path / 'bare'}", "--precision=bfloat16",
                          f"--reference={tmp_path / 'ref.npz'}", "--reference_dataset=digits",
                          "--classifier=digits")
  assert result.returncode == 2, result.stderr
  assert (f"tfbiggan-eval: error: --module={tmp_path / 'bare'} is not a tfbiggan module, "
          "so it can only sample in float32") in result.stderr
