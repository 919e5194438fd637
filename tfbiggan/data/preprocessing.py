"""BigGAN's image preprocessing: centre crop to a square, resize, scale to [-1, 1].

BigGAN crops the largest centred square and resizes it to the model's resolution (BP
`utils.CenterCropLongEdge` + `Resize`; CG's ImageNet preprocessing), with no flips or random
crops. Images then hold values in [-1, 1], the range of G's tanh output.
"""

import tensorflow as tf


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
