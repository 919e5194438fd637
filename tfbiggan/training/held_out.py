"""D on held-out data (paper §4.2): does the discriminator tell real images it has not seen
from the ones it trains on?

BigGAN's D memorises its training set as a run nears collapse: its loss on the training
images falls towards zero while its outputs on held-out real images stop separating them
from fakes. Beside every periodic evaluation the trainer logs, for the first N images of the
training split and of a held-out split (the first of "test", "validation", "val" that the
data set has, with the same classes): D's mean output and its accuracy, the share of those
real images it calls real (D(x) > 0, the sign of the hinge loss's decision). A growing gap
between the two is the memorisation the paper describes.
"""

import numpy as np
import tensorflow as tf
from absl import logging

from tfbiggan.data import evaluation_dataset, make_source
from tfbiggan.distribute.replicas import split_across_replicas

HELD_OUT_SPLITS = ("test", "validation", "val")
_BATCH = 50


def held_out_source(source, dataset, resolution, data_dir=None, manual_dir=None,
                    classes=None):
  """The data set's held-out split with the training `source`'s classes, or None.

  Tries HELD_OUT_SPLITS in order (never the training split) without downloading; a split
  that is missing or whose classes differ from the training split's is skipped.
  """
  for split in HELD_OUT_SPLITS:
    if split == source.split:
      continue
    try:
      other = make_source(dataset, resolution, split, data_dir, manual_dir, False, classes)
    except (ValueError, FileNotFoundError, KeyError):
      continue
    if list(other.class_names) != list(source.class_names):
      logging.warning("the %r split of %s has other classes than %r: D is not measured "
                      "on it", split, source.name, source.split)
      continue
    return other
  return None


class HeldOutProbe:
  """D's mean output and accuracy on real training and held-out images.

  Args:
    train_source, held_out_source: data sources of the same classes.
    num_images: images of each (at most; the smaller split sets the count for both).
    strategy: the training strategy (D's variables live under its scope), or None.
  """

  def __init__(self, train_source, held_out_source, num_images=500, strategy=None):
    self.train_source, self.held_out_source = train_source, held_out_source
    self.num_images = min(num_images, train_source.num_examples,
                          held_out_source.num_examples)
    self.strategy = strategy
    self._discriminator = self._call = None

  def _outputs(self, source):
    outputs = [self._call(images.numpy(), labels.numpy())
               for images, labels in evaluation_dataset(source, _BATCH, self.num_images)]
    return np.concatenate(outputs)

  def __call__(self, discriminator):
    """{"train_mean", "train_accuracy", "held_out_mean", "held_out_accuracy", "gap"}: D's
    mean output and the share of images with D(x) > 0 on each set; gap = train_mean -
    held_out_mean."""
    if self._discriminator is not discriminator:  # One trace for every evaluation.
      self._discriminator = discriminator
      classes = discriminator.config.num_classes
      self._call = split_across_replicas(
          lambda x, y: tf.cast(discriminator(x, tf.one_hot(y, classes), training=False),
                               tf.float32), self.strategy)
    values = {}
    for name, source in (("train", self.train_source), ("held_out", self.held_out_source)):
      outputs = self._outputs(source)
      values[f"{name}_mean"] = float(outputs.mean())
      values[f"{name}_accuracy"] = float((outputs > 0).mean())
    values["gap"] = values["train_mean"] - values["held_out_mean"]
    return values
