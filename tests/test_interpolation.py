"""Walks between classes and seeds: their end points are the plain samples; the strip and
the animation that `tfbiggan-interpolate` writes."""


import numpy as np
from PIL import Image
import pytest

from tfbiggan.modules.generator_module import generate, load_generator_module, sample_class_grid
from tfbiggan.image_grid import save_animation
from tfbiggan.latent.interpolation import class_walk, noise_walk
from tfbiggan.sampling import truncated_noise
from command_runner import run_in_process


@pytest.fixture(scope="module")
def module(random_digits_module):
  return load_generator_module(random_digits_module)


def test_class_walk_ends_at_both_classes_with_the_same_z(module):
  z, y = class_walk(3, 7, 5, 64, 10, truncation=0.5, seed=2, rows=2)
  assert z.shape == (10, 64) and y.shape == (10, 10)
  np.testing.assert_array_equal(z[0], z[4])  # One z along a row ...
  assert np.abs(z[0] - z[5]).max() > 0  # ... and another on the next row.
  np.testing.assert_allclose(y[2], 0.5 * (np.eye(10)[3] + np.eye(10)[7]))
  images = generate(module, z, y, 0.5)
  starts, _ = sample_class_grid(module, [3, 3], 1, 0.5, seed=2)
  ends, _ = sample_class_grid(module, [7, 7], 1, 0.5, seed=2)
  np.testing.assert_allclose(images[[0, 5]], starts, atol=1e-5)
  np.testing.assert_allclose(images[[4, 9]], ends, atol=1e-5)
  middle = images[2]
  assert min(np.abs(middle - images[0]).mean(), np.abs(middle - images[4]).mean()) > 1e-3


def test_noise_walk_ends_at_both_seeds_noise(module):
  z, y = noise_walk(3, (0, 1), 6, 64, 10, truncation=0.5)
  np.testing.assert_allclose(z[0], truncated_noise(1, 64, 0.5, 0)[0], atol=1e-6)
  np.testing.assert_allclose(z[-1], truncated_noise(1, 64, 0.5, 1)[0], atol=1e-6)
  assert np.all(y.argmax(-1) == 3)
  # slerp: the norm moves linearly between the two ends' norms.
  norms = np.linalg.norm(z, axis=1)
  np.testing.assert_allclose(norms, np.linspace(norms[0], norms[-1], 6), rtol=1e-5)


def test_animation_bounces_and_rejects_other_formats(tmp_path):
  frames = np.linspace(-1, 1, 4)[:, None, None, None] * np.ones([4, 8, 8, 3])
  path = save_animation(str(tmp_path / "walk.gif"), frames, scale=2)
  with Image.open(path) as gif:
    assert gif.n_frames == 6 and gif.size == (16, 16)  # 0 1 2 3 2 1
  with pytest.raises(ValueError, match="must be a .gif or .webp file"):
    save_animation(str(tmp_path / "walk.png"), frames)


def test_the_command_writes_the_strip_and_the_animation(random_digits_module, tmp_path):
  strip, animation = tmp_path / "strip.png", tmp_path / "walk.webp"
  flags = [f"--module={random_digits_module}", "--from_class=3", "--to_class=7",
           "--steps=4", "--rows=2", f"--out={strip}", f"--animation={animation}"]
  result = run_in_process("interpolate", *flags)
  assert result.returncode == 0, result.stderr
  width, height = Image.open(strip).size
  assert width > 4 * 128 and 2 * 128 < height < 3 * 128  # 4 columns, 2 rows, a title.
  with Image.open(animation) as webp:
    assert webp.n_frames == 6 and webp.size == (128, 256)  # Columns as frames, bouncing.
  result = run_in_process("interpolate", *flags[:3], "--seeds=0,1", f"--out={strip}")
  assert result.returncode == 1 and "give either --to_class" in result.stderr
