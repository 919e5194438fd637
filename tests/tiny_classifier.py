"""A tiny SavedModel classifier, callable like TF-GAN's Inception module, with the output names of TF-GAN's Inception module
("logits" [B, 5], "pool_3" [B, 1, 1, 3]): the mean colour of the image and a linear map of
it. Tests use it where the classifier's quality does not matter, never a download."""

import numpy as np
import tensorflow as tf


class MeanColourNet(tf.Module):
  """features = mean RGB of the (input_size x input_size) image, logits = features @ w."""

  def __init__(self, input_size):
    super().__init__()
    self.w = tf.Variable(np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32))
    self.__call__ = tf.function(
        self._classify,
        input_signature=[tf.TensorSpec([None, input_size, input_size, 3], tf.float32)])

  def _classify(self, images):
    pooled = tf.reduce_mean(images, axis=[1, 2])  # [B, 3]
    return {"logits": pooled @ self.w, "pool_3": tf.reshape(pooled, [-1, 1, 1, 3])}


def write_tiny_classifier(path, input_size, callable_root=True):
  """Saves a `MeanColourNet` at `path` with the signature "default", and callable as
  TF-GAN calls its Inception module (`hub.load(path)(images)`) unless `callable_root` is
  False; returns it."""
  net = MeanColourNet(input_size)
  function = net.__call__
  if not callable_root:
    del net.__call__
  tf.saved_model.save(net, path, signatures={"default": function})
  return net
