"""DiffAugment: shapes, determinism, and what each policy does to known images."""

import numpy as np
import pytest
import tensorflow as tf

from tfbiggan.diff_augment import color, cutout, diff_augment, translation

SEED = tf.constant([1, 2], tf.int64)


def test_same_seed_same_augmentation_and_gradients_flow():
  images = tf.random.uniform([4, 16, 16, 3], -1, 1, seed=0)
  ops = ("color", "translation", "cutout")
  a = diff_augment(images, ops, SEED)
  np.testing.assert_array_equal(a, diff_augment(images, ops, SEED))
  assert a.shape == images.shape
  assert np.max(np.abs(a - diff_augment(images, ops, SEED + 1))) > 0.1
  with tf.GradientTape() as tape:
    tape.watch(images)
    total = tf.reduce_sum(diff_augment(images, ops, SEED))
  assert float(tf.reduce_sum(tf.abs(tape.gradient(total, images)))) > 0


def test_translation_shifts_by_at_most_an_eighth_and_fills_zeros():
  side = 16
  index = np.arange(side * side, dtype=np.float32).reshape(side, side) + 1  # row * 16 + col + 1
  images = tf.constant(np.repeat(np.repeat(index[None, :, :, None], 3, -1), 16, 0))
  out = translation(images, SEED).numpy()[..., 0]
  shifts = []
  for example in out:
    # Each output pixel is an input pixel (values are unique) or a zero fill.
    kept = example > 0
    rows, cols = np.nonzero(kept)
    source = example[kept].astype(int) - 1
    dy = set(source // side - rows)
    dx = set(source % side - cols)
    assert len(dy) == 1 and len(dx) == 1  # One rigid shift per example.
    dy, dx = dy.pop(), dx.pop()
    assert abs(dy) <= 2 and abs(dx) <= 2  # int(16 * 0.125 + 0.5) = 2.
    assert kept.sum() == (side - abs(dy)) * (side - abs(dx))  # The rest is zero-filled.
    shifts.append((dy, dx))
  # Examples move, and independently of each other (16 draws from 25 shifts).
  dys, dxs = zip(*shifts)
  assert any(dys) and any(dxs) and len(set(shifts)) >= 5, shifts


def test_cutout_zeroes_a_square_of_half_the_side():
  out = cutout(tf.ones([6, 16, 16, 3]), SEED).numpy()
  zeros = (out[..., 0] == 0).sum(axis=(1, 2))
  assert np.all(zeros <= 64) and np.all(zeros >= 8)  # An 8x8 square, clipped at borders.
  assert np.any(zeros == 64)


def test_color_changes_brightness_saturation_contrast_per_example():
  images = tf.random.uniform([4, 8, 8, 3], -0.5, 0.5, seed=1)
  out = color(images, SEED).numpy()
  means = out.mean(axis=(1, 2, 3)) - images.numpy().mean(axis=(1, 2, 3))
  assert np.all(np.abs(means) <= 0.5 + 1e-5) and np.std(means) > 0.01


def test_unknown_policy_is_rejected_by_the_config():
  import tfbiggan  # pylint: disable=import-outside-toplevel
  with pytest.raises(ValueError, match="diff_augment"):
    tfbiggan.get_config("digits-32", diff_augment="color,blur")
