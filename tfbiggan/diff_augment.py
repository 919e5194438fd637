"""DiffAugment (Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training",
NeurIPS 2020): the same random, differentiable augmentation applied to every image D sees,
real and generated, in D's and in G's updates. It lets BigGAN train on small data sets.

The three policies and their constants follow the authors' `DiffAugment_tf.py`, on images
in [-1, 1]:
  color:        brightness + U(-0.5, 0.5); saturation * U(0, 2); contrast * U(0.5, 1.5)
  translation:  shift by up to 1/8 of the side, zero-filled
  cutout:       a zero square of half the side at a random centre
Randomness is stateless (from a [2] int seed), so a step's augmentation is reproducible.
"""

import tensorflow as tf

from tfbiggan.configs.config import DIFF_AUGMENT_OPS


def _uniform(shape, seed, index, minval=0.0, maxval=1.0, dtype=tf.float32):
  key = tf.random.experimental.stateless_fold_in(seed, index)
  return tf.random.stateless_uniform(shape, key, minval, maxval, dtype=dtype)


def color(images, seed):
  batch = tf.shape(images)[0]
  images = images + (_uniform([batch, 1, 1, 1], seed, 0) - 0.5)
  mean = tf.reduce_mean(images, axis=3, keepdims=True)
  images = (images - mean) * (_uniform([batch, 1, 1, 1], seed, 1) * 2.0) + mean
  mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
  return (images - mean) * (_uniform([batch, 1, 1, 1], seed, 2) + 0.5) + mean


def _gather_shifted(images, rows, cols):
  """images[b, rows[b, i, 0], cols[b, 0, j]], zero where the index is outside the image."""
  height, width = images.shape[1], images.shape[2]
  batch = tf.shape(images)[0]
  rows = tf.broadcast_to(rows, [batch, height, width])
  cols = tf.broadcast_to(cols, [batch, height, width])
  inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
  index = tf.stack([
      tf.broadcast_to(tf.range(batch)[:, None, None], [batch, height, width]),
      tf.clip_by_value(rows, 0, height - 1), tf.clip_by_value(cols, 0, width - 1)], axis=-1)
  return tf.gather_nd(images, index) * tf.cast(inside, images.dtype)[..., None]


def translation(images, seed, ratio=0.125):
  height, width = images.shape[1], images.shape[2]
  shift_h, shift_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
  batch = tf.shape(images)[0]
  dy = _uniform([batch, 1, 1], seed, 3, -shift_h, shift_h + 1, tf.int32)
  dx = _uniform([batch, 1, 1], seed, 4, -shift_w, shift_w + 1, tf.int32)
  rows = tf.range(height)[None, :, None] + dy
  cols = tf.range(width)[None, None, :] + dx
  return _gather_shifted(images, rows, cols)


def cutout(images, seed, ratio=0.5):
  height, width = images.shape[1], images.shape[2]
  size_h, size_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
  batch = tf.shape(images)[0]
  top = _uniform([batch, 1, 1], seed, 5, 0, height + (1 - size_h % 2), tf.int32) - size_h // 2
  left = _uniform([batch, 1, 1], seed, 6, 0, width + (1 - size_w % 2), tf.int32) - size_w // 2
  rows = tf.range(height)[None, :, None]
  cols = tf.range(width)[None, None, :]
  inside = ((rows >= top) & (rows < top + size_h)) & ((cols >= left) & (cols < left + size_w))
  return images * (1.0 - tf.cast(inside, images.dtype))[..., None]


_OPS = {"color": color, "translation": translation, "cutout": cutout}
assert set(_OPS) == set(DIFF_AUGMENT_OPS)


def diff_augment(images, ops, seed):
  """Applies the policies `ops` (names, in order) to images [B, H, W, C] with seed [2]."""
  for op in ops:
    images = _OPS[op](images, seed)
  return images
