"""`DigitsSource`: scikit-learn's bundled handwritten digits at 32x32, the offline data set.

`sklearn.datasets.load_digits` ships 1,797 8x8 grey images of the digits 0-9 (UCI optdigits
test set) inside the wheel, so training and tests need no download. The images are upsampled
to the model's resolution with bilinear interpolation and repeated on 3 channels. Splits are
fixed and stratified by position: "test" holds every fifth image (360), "train" the rest
(1,437), "all" both.
"""

import numpy as np
import tensorflow as tf

from tfbiggan.data.source import IndexedSource

SPLITS = ("train", "test", "all")


def load_digits_array(split="train", resolution=32):
  """Digits of `split` as (float32 [N, resolution, resolution, 3] in [-1, 1], int32 [N])."""
  if split not in SPLITS:
    raise ValueError(f"digits has splits {SPLITS}, got {split!r}")
  from sklearn.datasets import load_digits  # pylint: disable=import-outside-toplevel
  digits = load_digits()
  images = digits.images.astype(np.float32) / 16.0 * 2.0 - 1.0  # values 0..16
  labels = digits.target.astype(np.int32)
  position = np.arange(len(labels))
  if split == "train":
    keep = position % 5 != 0
  elif split == "test":
    keep = position % 5 == 0
  else:
    keep = np.ones_like(position, dtype=bool)
  images = tf.image.resize(images[keep, :, :, None], [resolution, resolution],
                           method="bilinear")
  images = tf.clip_by_value(tf.tile(images, [1, 1, 1, 3]), -1.0, 1.0)
  return images.numpy(), labels[keep]


class DigitsSource(IndexedSource):
  """The digits of one split held in memory, read by index."""

  def __init__(self, split="train", resolution=32):
    images, labels = load_digits_array(split, resolution)
    super().__init__(name="digits", split=split, num_examples=len(labels), num_classes=10,
                     class_names=[str(d) for d in range(10)], resolution=resolution)
    self._images = tf.constant(images)
    self._labels = tf.constant(labels)

  def labels(self):
    return self._labels.numpy()

  def element(self, index):
    return tf.gather(self._images, index), tf.gather(self._labels, index)
