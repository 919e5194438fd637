"""`ClassSubset`: some classes of a data set, optionally a few examples of each.

For fine-tuning on part of a data set (`--classes=...`) and for few-shot experiments
(`--examples_per_class=10`): the chosen classes are renumbered 0..k-1 in the order given, and
of each class the first `examples_per_class` examples in the data set's order are kept, so
the subset is the same on every run and host.

A streamed data set (tensorflow-datasets) is read once, at the start, for the chosen
classes' examples (`StreamedRecords`: their encoded images stay in memory, the pass stops as
soon as every class has its `examples_per_class`); the subset is then read by index like an
image folder. Reading a few classes out of the stream at every epoch would read the whole
split each time.
"""

from absl import logging
import numpy as np
import tensorflow as tf

from tfbiggan.class_names import lookup_classes
from tfbiggan.data.source import IndexedSource, StreamingSource
from tfbiggan.progress import Progress

# Encoded images a streamed subset may hold in memory (about 9,000 ImageNet images a GiB).
MAX_STREAMED_BYTES = 4 * 2**30


class StreamedRecords(IndexedSource):
  """The examples of some classes of a `StreamingSource`, read into memory in stream order.

  Labels and class names stay the source's; `ClassSubset` renumbers them.

  Args:
    source: a `StreamingSource` (e.g. `TfdsSource`).
    labels: the class ids to keep.
    examples_per_class: keep at most this many of each class (0: all); the pass over the
      stream stops once every class has them.
    max_bytes: the most encoded image bytes to hold.

  Raises:
    ValueError: the examples exceed `max_bytes` (named, with what to do).
  """

  def __init__(self, source, labels, examples_per_class=0, max_bytes=MAX_STREAMED_BYTES):
    records, num_records = source.host_dataset(0, 1)
    wanted = np.zeros(source.num_classes, bool)
    wanted[list(labels)] = True
    wanted_t = tf.constant(wanted)
    # (position in the stream, example) of the wanted classes only: the filter runs in tf.data.
    kept = records.enumerate().filter(
        lambda position, example: tf.gather(wanted_t, example["label"]))
    counts = np.zeros(source.num_classes, np.int64)
    images, kept_labels, size = [], [], 0
    logging.info("reading the examples of %d classes of %s %s (%d records) into memory",
                 len(labels), source.name, source.split, num_records)
    progress = Progress(f"reading {source.name} {source.split}", num_records, unit="records",
                        min_interval_s=30)
    for position, example in kept.as_numpy_iterator():
      progress.update(int(position) + 1 - progress.done)
      label = int(example["label"])
      if examples_per_class and counts[label] >= examples_per_class:
        continue
      counts[label] += 1
      images.append(example["image"])
      kept_labels.append(label)
      size += len(example["image"])
      if size > max_bytes:
        raise ValueError(
            f"the chosen classes of {source.name} ({source.split}) hold more than "
            f"{max_bytes / 2**20:,.4g} MiB of encoded images, more than a class subset of a "
            "streamed data set keeps in memory; choose fewer classes or set "
            "--examples_per_class")
      if examples_per_class and all(counts[c] >= examples_per_class for c in labels):
        break
    self._source = source
    self._images = tf.constant(images, tf.string, shape=[len(images)])
    self._labels = np.asarray(kept_labels, np.int32)
    self._label_table = tf.constant(self._labels, shape=[len(self._labels)])
    super().__init__(name=source.name, split=source.split, num_examples=len(images),
                     num_classes=source.num_classes, class_names=list(source.class_names),
                     resolution=source.resolution)

  def labels(self):
    return self._labels

  def element(self, index):
    return self._source.decode({"image": tf.gather(self._images, index),
                                "label": tf.gather(self._label_table, index)})


class ClassSubset(IndexedSource):
  """The examples of `classes` of `source`, relabelled in the order of `classes`.

  Args:
    source: an `IndexedSource`, or a `StreamingSource` (read through `StreamedRecords`).
    classes: class names or indices of `source` (see `tfbiggan.class_names.lookup_class`);
      None keeps every class.
    examples_per_class: keep at most this many examples of each class (0: all).

  Raises:
    ValueError: an unknown or repeated class (named), a class left without examples, or a
      streamed subset too large for memory.
  """

  def __init__(self, source, classes=None, examples_per_class=0):
    chosen = (list(range(source.num_classes)) if classes is None
              else lookup_classes(classes, source.class_names))
    repeated = sorted({source.class_names[c] for c in chosen if chosen.count(c) > 1})
    if repeated:
      raise ValueError(f"classes named twice: {repeated}")
    if isinstance(source, StreamingSource):
      source = StreamedRecords(source, chosen, examples_per_class)
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
