"""`ClassSubset`: some classes of an indexed data set, optionally a few examples of each.

For fine-tuning on part of a data set (`--classes=...`) and for few-shot experiments
(`--examples_per_class=10`): the chosen classes are renumbered 0..k-1 in the order given, and
of each class the first `examples_per_class` examples in the data set's order are kept, so
the subset is the same on every run and host.
"""

import numpy as np
import tensorflow as tf

from tfbiggan.class_names import lookup_classes
from tfbiggan.data.source import IndexedSource


class ClassSubset(IndexedSource):
  """The examples of `classes` of `source`, relabelled in the order of `classes`.

  Args:
    source: an `IndexedSource`.
    classes: class names or indices of `source` (see `tfbiggan.class_names.lookup_class`);
      None keeps every class.
    examples_per_class: keep at most this many examples of each class (0: all).

  Raises:
    ValueError: an unknown or repeated class (named), a streamed source, or a class left
      without examples.
  """

  def __init__(self, source, classes=None, examples_per_class=0):
    if not isinstance(source, IndexedSource):
      raise ValueError(f"choosing classes or examples needs a data set read by index (digits, "
                       f"folder:...); {source.name} is streamed from tensorflow-datasets. "
                       "Copy the classes you want into an image folder instead.")
    chosen = (list(range(source.num_classes)) if classes is None
              else lookup_classes(classes, source.class_names))
    repeated = sorted({source.class_names[c] for c in chosen if chosen.count(c) > 1})
    if repeated:
      raise ValueError(f"classes named twice: {repeated}")
    labels = np.asarray(source.labels())
    indices, new_labels = [], []
    for new_label, label in enumerate(chosen):
      where = np.flatnonzero(labels == label)
      if examples_per_class:
        where = where[:examples_per_class]
      if not len(where):
        raise ValueError(f"class {source.class_names[label]!r} has no examples in "
                         f"{source.name} ({source.split})")
      indices.append(where)
      new_labels.append(np.full(len(where), new_label, np.int32))
    self._indices = tf.constant(np.concatenate(indices), tf.int64)
    self._labels = np.concatenate(new_labels)
    self._label_table = tf.constant(self._labels)
    self._source = source
    super().__init__(name=source.name, split=source.split, num_examples=len(self._labels),
                     num_classes=len(chosen),
                     class_names=[source.class_names[c] for c in chosen],
                     resolution=source.resolution)

  def labels(self):
    return self._labels

  def element(self, index):
    image, _ = self._source.element(tf.gather(self._indices, index))
    return image, tf.gather(self._label_table, index)
