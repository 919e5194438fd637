"""2x resampling of NHWC feature maps used by BigGAN's blocks.

Besides the resampling itself, two exact shortcuts for G's blocks, which spend a large share
of their time on the upsampled maps: a 3x3 convolution of an upsampled map computed at the
input's resolution (`upsampling_conv_kernel`, `upsampling_conv2d`), and a residual sum with
an upsampled shortcut that never materialises the upsampled copy (`add_upsampled`).
"""

import numpy as np
import tensorflow as tf


def upsample_nearest_2x(x):
  """Nearest-neighbour 2x upsampling, [B, H, W, C] -> [B, 2H, 2W, C].

  The official modules upsample by nearest neighbour (HF `F.interpolate(mode='nearest')`;
  CG's zero-insertion `unpool` differs, spec §2.5).
  """
  return tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)


def add_upsampled(h, x):
  """h + upsample_nearest_2x(x), for h [B, 2H, 2W, C] and x [B, H, W, C], without
  materialising the upsampled x: the same sum, one op on h's size instead of three."""
  batch = tf.shape(h)[0]
  height, width, channels = x.shape[1], x.shape[2], x.shape[3]
  pairs = tf.reshape(h, [batch, height, 2, width, 2, channels])
  return tf.reshape(pairs + x[:, :, None, :, None, :],
                    [batch, 2 * height, 2 * width, channels])


# _TAPS[a][u, d]: which of a 3x3 kernel's rows d feed row u of the 2-row kernel of output
# rows of parity a. Output row 2i reads upsampled rows 2i-1, 2i, 2i+1 = input rows i-1, i, i;
# output row 2i+1 reads 2i, 2i+1, 2i+2 = input rows i, i, i+1 (columns alike).
_TAPS = np.array([[[1, 0, 0], [0, 1, 1]],
                  [[1, 1, 0], [0, 0, 1]]], np.float32)


def upsampling_conv_kernel(kernel):
  """The kernel of `upsampling_conv2d` from a 3x3 SAME-conv kernel [3, 3, I, O].

  Returns [2, 2, I, 4 * O]: output-channel block 2 * p + q holds the 2x2 kernel of the
  output pixels of row parity 1 - p and column parity 1 - q (that order lets
  `depth_to_space` interleave them), each the sum of the 3x3 taps that read the same input
  pixel after upsampling.
  """
  if kernel.shape[0] != 3 or kernel.shape[1] != 3:
    raise ValueError(f"upsampling_conv_kernel takes a 3x3 kernel, got {kernel.shape}")
  taps = tf.constant(_TAPS, kernel.dtype)
  return tf.concat([tf.einsum("ud,ve,deio->uvio", taps[1 - p], taps[1 - q], kernel)
                    for p in (0, 1) for q in (0, 1)], axis=-1)


def upsampling_conv2d(x, kernel):
  """conv2d(upsample_nearest_2x(x), k, SAME) for x [B, H, W, I] -> [B, 2H, 2W, O], computed
  at x's resolution with `kernel` = upsampling_conv_kernel(k).

  Each output pixel sees only 2x2 distinct input pixels through its 3x3 window, so the
  four output parities are four 2x2 convolutions: 16 multiply-adds per input pixel and
  channel pair instead of 36, and no upsampled copy of x. Equal to the upsample-then-conv
  to float rounding (the folded taps are summed before multiplying).
  """
  outputs = tf.nn.conv2d(x, kernel, strides=1, padding=[[0, 0], [1, 1], [1, 1], [0, 0]])
  # [B, H+1, W+1, 4 O] -> [B, 2H+2, 2W+2, O]; output pixel (r, c) is at (r + 1, c + 1).
  return tf.nn.depth_to_space(outputs, 2)[:, 1:-1, 1:-1, :]


def avg_pool_2x(x):
  """2x2 average pooling with stride 2, [B, H, W, C] -> [B, H/2, W/2, C]."""
  return tf.nn.avg_pool2d(x, ksize=2, strides=2, padding="VALID")


def max_pool_2x(x):
  """2x2 max pooling with stride 2, [B, H, W, C] -> [B, H/2, W/2, C]."""
  return tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")
