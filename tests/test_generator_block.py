import tensorflow as tf

from layer_test_case import run_layer_test
from tfbiggan.layers.generator_block import GeneratorBlock


def test_layer_harness():
  x, c = tf.random.normal([2, 4, 4, 16]), tf.random.normal([2, 6])
  # conv0, conv1, conv_sc (w, b each) + 2 BNs x (gamma, beta) = 10 trainable;
  # 3 conv u + 2 BNs x (2 projection u + 5 statistics) = 17 non-trainable.
  run_layer_test(GeneratorBlock, dict(out_channels=8), (x, c),
                 expected_output_shape=(2, 8, 8, 8), expected_num_trainable_weights=10,
                 expected_num_non_trainable_weights=17)


def test_names_follow_official_modules():
  block = GeneratorBlock(8, name="GBlock_1")
  block(tf.ones([1, 4, 4, 16]), tf.ones([1, 6]))
  names = {w.path for w in block.trainable_weights}
  assert names == {"GBlock_1/HyperBN/gamma/w", "GBlock_1/HyperBN/beta/w", "GBlock_1/conv0/w",
                   "GBlock_1/conv0/b", "GBlock_1/HyperBN_1/gamma/w",
                   "GBlock_1/HyperBN_1/beta/w", "GBlock_1/conv1/w", "GBlock_1/conv1/b",
                   "GBlock_1/conv_sc/w", "GBlock_1/conv_sc/b"}

