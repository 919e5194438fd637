import numpy as np
import pytest
from PIL import Image

from tfbiggan.image_grid import save_image_grid
from tfbiggan.image_grid import to_uint8


def test_to_uint8_maps_minus_one_to_one_onto_0_255():
  np.testing.assert_array_equal(to_uint8(np.array([-1.0, 0.0, 1.0, 2.0])), [0, 128, 255, 255])


def test_grid_layout_and_pixels(tmp_path):
  images = np.stack([np.full((4, 4, 3), v) for v in (-1.0, 1.0, -1.0, 1.0, -1.0, 1.0)])
  path = save_image_grid(str(tmp_path / "g.png"), images, rows=2, cols=3, scale=2, padding=1)
  grid = np.asarray(Image.open(path))
  assert grid.shape == (2 * 9 + 1, 3 * 9 + 1, 3)
  assert grid[1, 1].tolist() == [0, 0, 0] and grid[1, 10].tolist() == [255, 255, 255]


def test_wrong_count_is_an_error(tmp_path):
  with pytest.raises(ValueError, match="rows \\* cols = 4"):
    save_image_grid(str(tmp_path / "g.png"), np.zeros((3, 4, 4, 3)), rows=2, cols=2)
