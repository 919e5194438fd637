"""2x resampling of NHWC feature maps used by BigGAN's blocks."""

import tensorflow as tf


def upsample_nearest_2x(x):
  """Nearest-neighbour 2x upsampling, [B, H, W, C] -> [B, 2H, 2W, C].

  The official modules upsample by nearest neighbour (HF `F.interpolate(mode='nearest')`;
  CG's zero-insertion `unpool` differs, spec §2.5).
  """
  return tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)


def avg_pool_2x(x):
  """2x2 average pooling with stride 2, [B, H, W, C] -> [B, H/2, W/2, C]."""
  return tf.nn.avg_pool2d(x, ksize=2, strides=2, padding="VALID")


def max_pool_2x(x):
  """2x2 max pooling with stride 2, [B, H, W, C] -> [B, H/2, W/2, C]."""
  return tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
