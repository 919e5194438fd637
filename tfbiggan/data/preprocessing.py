"""BigGAN's image preprocessing: centre crop to a square, resize, scale to [-1, 1].

BigGAN crops the largest centred square and resizes it to the model's resolution (BP
`utils.CenterCropLongEdge` + `Resize`; CG's ImageNet preprocessing), with no flips or random
crops. Images then hold values in [-1, 1], the range of G's tanh output.
"""

import numpy as np
import tensorflow as tf

from tfbiggan import files


def center_crop_and_resize(image, resolution):
  """Centre square crop of `image` [H, W, C] resized to [resolution, resolution, C], float32.

  Downsampling is antialiased bilinear; the input keeps its value range.
  """
  image = tf.convert_to_tensor(image)
  shape = tf.shape(image)
  side = tf.minimum(shape[0], shape[1])
  top = (shape[0] - side) // 2
  left = (shape[1] - side) // 2
  image = image[top:top + side, left:left + side]
  image = tf.image.resize(tf.cast(image, tf.float32), [resolution, resolution],
                          method="bilinear", antialias=True)
  return tf.reshape(image, [resolution, resolution, image.shape[-1]])


def uint8_to_model_range(image):
  """Pixel values in [0, 255] -> float32 in [-1, 1]."""
  return tf.cast(image, tf.float32) / 127.5 - 1.0


def to_rgb(image):
  """[H, W, 1] or [H, W, 3] -> [H, W, 3] (grey images are repeated on 3 channels)."""
  image = tf.convert_to_tensor(image)
  if image.shape[-1] == 1:
    return tf.tile(image, [1, 1, 3])
  return image


def decode_and_preprocess(encoded, resolution):
  """JPEG / PNG / GIF / BMP bytes -> float32 [resolution, resolution, 3] in [-1, 1]."""
  image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
  image = center_crop_and_resize(image, resolution)
  return tf.clip_by_value(uint8_to_model_range(image), -1.0, 1.0)


def read_image(path, resolution):
  """An image file (any TensorFlow file system; PNG, JPEG, GIF, BMP) preprocessed as
  training data is: float32 numpy [resolution, resolution, 3] in [-1, 1]."""
  return decode_and_preprocess(files.read_bytes(path), resolution).numpy()


def prepare_image(image, resolution):
  """An image array preprocessed as training data is: float32 numpy [resolution,
  resolution, 3] in [-1, 1].

  Args:
    image: uint8 [H, W, 3] in 0..255 (also [H, W] or [H, W, 1] grey, [H, W, 4] RGBA), or
      float [H, W, 3] already in [-1, 1]; any size.
  """
  image = np.asarray(image)
  if image.ndim == 2:
    image = image[..., None]
  if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
    raise ValueError(f"an image must be [H, W, 3] (or grey / RGBA), got {list(image.shape)}")
  is_uint8 = image.dtype == np.uint8
  image = to_rgb(tf.constant(image[..., :3]))
  image = uint8_to_model_range(image) if is_uint8 else tf.cast(image, tf.float32)
  return np.clip(center_crop_and_resize(image, resolution).numpy(), -1.0, 1.0)
