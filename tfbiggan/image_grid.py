"""Sample grids as PNG files, with row labels and a title; animations as GIF or WebP."""

import io

import numpy as np
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont

from tfbiggan import files


def to_uint8(images):
  """Images in [-1, 1] (float [N, H, W, 3]) to uint8 [N, H, W, 3]."""
  images = np.asarray(images, np.float32)
  return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def save_image_grid(path, images, rows, cols, row_labels=None, title=None, scale=1,
                    padding=2):
  """Writes images ([rows * cols, H, W, 3] in [-1, 1], row-major) as one labelled PNG at
  `path` (any TensorFlow file system; its folder is created), atomically; see `image_grid`
  for the other arguments. Returns the path."""
  return files.save_png(path, image_grid(images, rows, cols, row_labels, title, scale,
                                         padding))


def image_grid(images, rows, cols, row_labels=None, title=None, scale=1, padding=2):
  """Images ([rows * cols, H, W, 3] in [-1, 1], row-major) as one labelled PIL image.

  Args:
    rows, cols: grid layout.
    row_labels: optional text per row.
    title: optional line of text above the grid.
    scale: integer nearest-neighbour upscaling (small images are easier to see).
    padding: pixels between cells.
  """
  images = to_uint8(images)
  if images.shape[0] != rows * cols:
    raise ValueError(f"need rows * cols = {rows * cols} images, got {images.shape[0]}")
  if scale > 1:
    images = images.repeat(scale, axis=1).repeat(scale, axis=2)
  height, width = images.shape[1:3]
  font = ImageFont.load_default()
  boxes = cell_boxes(rows, cols, height, width, row_labels, title, padding)
  right, bottom = boxes[-1][2] + padding, boxes[-1][3] + padding
  canvas = Image.new("RGB", (right, bottom), "white")
  draw = ImageDraw.Draw(canvas)
  if title:
    draw.text((4, 2), title, fill="black", font=font)
  for r in range(rows):
    if row_labels:
      draw.text((4, boxes[r * cols][1] + height // 2 - 6), str(row_labels[r]), fill="black",
                font=font)
  for image, (x, y, _, _) in zip(images, boxes):
    canvas.paste(Image.fromarray(image), (x, y))
  return canvas


def cell_boxes(rows, cols, height, width, row_labels=None, title=None, padding=2):
  """Where `image_grid` puts each cell of [height, width] pixels (after scaling):
  [(left, top, right, bottom)] in row-major order, as PIL boxes."""
  left = 8 + max((len(str(label)) for label in row_labels), default=0) * 7 if row_labels else 0
  top = 18 if title else 0
  return [(x, y, x + width, y + height)
          for y in (top + padding + r * (height + padding) for r in range(rows))
          for x in (left + padding + c * (width + padding) for c in range(cols))]


def read_grid_cells(path, rows, cols, resolution, row_labels=None, title=None, scale=1,
                    padding=2):
  """The cells of a grid PNG written by `save_image_grid` with these arguments, at their
  original resolution: uint8 [rows * cols, resolution, resolution, 3], row-major."""
  size = resolution * scale
  boxes = cell_boxes(rows, cols, size, size, row_labels, title, padding)
  with Image.open(io.BytesIO(files.read_bytes(path))) as picture:
    return np.stack([np.asarray(picture.convert("RGB").crop(box))[::scale, ::scale]
                     for box in boxes])


ANIMATION_FORMATS = {".gif": "GIF", ".webp": "WEBP"}


def save_animation(path, frames, scale=1, frame_ms=120, bounce=True):
  """Writes frames ([T, H, W, 3] in [-1, 1]) as a looping animation: GIF or WebP by the
  extension of `path` (any file system), atomically.

  Args:
    scale: integer nearest-neighbour upscaling.
    frame_ms: display time of each frame.
    bounce: play forward, then back (a walk that returns to its start).

  Returns: the path.
  """
  extension = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
  if extension not in ANIMATION_FORMATS:
    raise ValueError(f"an animation must be a {' or '.join(ANIMATION_FORMATS)} file, got "
                     f"{path}")
  frames = to_uint8(frames)
  if scale > 1:
    frames = frames.repeat(scale, axis=1).repeat(scale, axis=2)
  if bounce and len(frames) > 2:
    frames = np.concatenate([frames, frames[-2:0:-1]])
  images = [Image.fromarray(frame) for frame in frames]
  return files.save_image(path, images[0], ANIMATION_FORMATS[extension], save_all=True,
                          append_images=images[1:], duration=frame_ms, loop=0)
