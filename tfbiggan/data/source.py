"""What a training data set is: `IndexedSource` (random access) and `StreamingSource`.

Both yield float32 images [resolution, resolution, 3] in [-1, 1] and int32 class ids, and
the pipeline (`tfbiggan.data.pipeline`) turns either into per-replica batches whose content
is a function of the training step, so a resumed run reads exactly what an uninterrupted
run would have read.
"""

import dataclasses
from typing import List


@dataclasses.dataclass
class SourceInfo:
  """Facts about a data set that the trainer and the summaries need."""
  name: str
  split: str
  num_examples: int
  num_classes: int
  class_names: List[str]
  resolution: int


class IndexedSource(SourceInfo):
  """A finite labelled image set read by example index (digits, image folders).

  The pipeline draws a fresh permutation of all examples for every epoch, so the examples
  of global step s are known without reading anything before them, and the global batch is
  the same for any number of replicas or hosts.
  """

  def element(self, index):
    """(image float32 [R, R, 3] in [-1, 1], label int32 []) for a scalar int64 tensor."""
    raise NotImplementedError

  def labels(self):
    """The class id of every example, in index order: numpy int32 [num_examples]."""
    raise NotImplementedError


class StreamingSource(SourceInfo):
  """A labelled image set read in order (tensorflow-datasets' record files).

  Each host reads its own even part of the split; the pipeline shuffles it with a seed per
  epoch and skips to the position of the resumed step.
  """

  def host_dataset(self, host_id, num_hosts):
    """(tf.data.Dataset of raw examples in a fixed order, its number of examples)."""
    raise NotImplementedError

  def decode(self, example):
    """A raw example -> (image float32 [R, R, 3] in [-1, 1], label int32 [])."""
    raise NotImplementedError
