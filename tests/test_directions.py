"""SeFa directions: orthonormal, ranked by their singular values, the strongest ones; the
"sample x strength" grid and `tfbiggan-sample --direction`."""


import numpy as np
from PIL import Image
import pytest

import tfbiggan
from tfbiggan.modules.generator_module import load_generator_module, sample_class_grid
from tfbiggan.latent.directions import (direction_grid, move_along, sefa_directions,
                                        z_reading_weights)
from tfbiggan.modules.pretrained import load_pretrained_with_class_names
from command_runner import run_in_process

CONFIGS = {
    "biggan (hierarchical z)": ("digits-32", {}),
    "biggan-deep": ("biggan-deep-128", dict(g_ch=8, resolution=16, dim_z=32,
                                           g_channel_multipliers=(4, 4, 4, 4, 4),
                                           d_channel_multipliers=(4, 4, 4, 4, 4),
                                           g_attention_block=None, d_attention_block=None)),
}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def generator(request):
  name, overrides = CONFIGS[request.param]
  return tfbiggan.Generator(tfbiggan.get_config(name, **overrides))


def _stacked(generator, layers="all"):
  parts = [w / np.maximum(np.linalg.norm(w, axis=0, keepdims=True), 1e-12)
           for _, w in z_reading_weights(generator, layers)]
  return np.concatenate(parts, axis=1)


def test_directions_are_orthonormal_and_ranked_by_singular_values(generator):
  directions, singular = sefa_directions(generator)
  dim_z = generator.config.dim_z
  assert directions.shape == (dim_z, dim_z)
  np.testing.assert_allclose(directions @ directions.T, np.eye(dim_z), atol=1e-5)
  assert np.all(np.diff(singular) <= 1e-9)
  stacked = _stacked(generator)
  np.testing.assert_allclose(singular, np.linalg.svd(stacked, compute_uv=False)[:dim_z],
                             rtol=1e-6)
  # Each direction moves the outputs by its singular value: ||A^T d_k|| = s_k.
  np.testing.assert_allclose(np.linalg.norm(stacked.T @ directions.T, axis=0), singular,
                             rtol=1e-4)
  # The first is the strongest unit direction: no random one moves the outputs more.
  rng = np.random.default_rng(0)
  random = rng.standard_normal((1000, dim_z))
  random /= np.linalg.norm(random, axis=1, keepdims=True)
  assert np.linalg.norm(stacked.T @ random.T, axis=0).max() <= singular[0] + 1e-9


def test_z_reading_weights_follow_the_layout(generator):
  config = generator.config
  weights = z_reading_weights(generator)
  first = z_reading_weights(generator, "first")
  assert [path for path, _ in first] == ["Generator/G_linear/w"]
  num_conditional = sum(len(block.batch_norms) for block in generator.blocks)
  assert len(weights) == 1 + 2 * num_conditional
  chunk = config.z_chunk_size
  for index, (path, weight) in enumerate(weights[1:]):
    block = index // (2 * len(generator.blocks[0].batch_norms))
    start = (block + 1) * chunk if config.hierarchical_z else 0
    read = np.flatnonzero(np.abs(weight).sum(axis=1))
    assert read.min() >= start and read.max() < start + chunk, path
  with pytest.raises(ValueError, match="layers must be one of"):
    z_reading_weights(generator, "middle")


def test_move_along_steps_each_strength():
  z = np.zeros([2, 4])
  moved = move_along(z, [0, 1, 0, 0], [-2.0, 0.0, 3.0])
  assert moved.shape == (3, 2, 4)
  np.testing.assert_array_equal(moved[:, 0, 1], [-2.0, 0.0, 3.0])


def test_sample_walks_the_strongest_sefa_direction(random_digits_module, tmp_path):
  module_dir = random_digits_module
  module = load_generator_module(module_dir)
  generator, names = load_pretrained_with_class_names(module_dir)
  directions, singular_values = sefa_directions(generator)
  strengths = [-3.0, 0.0, 3.0]

  def grid(k):
    return direction_grid(generator, names, directions[k], strengths, ["3", "7"], 0.5, seed=1)

  images, labels = grid(0)
  assert images.shape == (6, 32, 32, 3) and labels == ["3", "7"]
  # The strength-0 column is the class grid's sample of the same seed.
  plain, _ = sample_class_grid(module, ["3", "7"], 1, 0.5, seed=1)
  np.testing.assert_allclose(images[1::3], plain, atol=1e-5)

  def change(images):  # Mean |image(+-3 d) - image(0)|.
    grid_ = images.reshape(2, 3, -1)
    return float(np.abs(grid_[:, [0, 2]] - grid_[:, 1:2]).mean())

  # The walk moves the image. (SeFa ranks directions by how much they move the layers that
  # read z; with random weights that need not carry over to the image, so no ranking here.)
  assert change(images) > 0.01
  assert singular_values[0] > singular_values[-1]
  assert change(grid(len(directions) - 1)[0]) > 0.0
  out = tmp_path / "direction.png"
  result = run_in_process("sample", f"--module={module_dir}", "--direction=0",
                          "--strengths=-3,0,3", "--classes=3,7", f"--out={out}")
  assert result.returncode == 0, result.stderr
  width, height = Image.open(out).size
  assert width > 3 * 128 > height / 3  # 3 columns, 2 rows of 128 px cells, labels, title.
  result = run_in_process("sample", f"--module={module_dir}", "--direction=64",
                          f"--out={out}")
  assert result.returncode == 2
  assert result.stderr.strip().splitlines() == [
      "tfbiggan-sample: error: --direction=64 is out of range: the module has 64 directions "
      "(dim_z), 0 to 63"]
