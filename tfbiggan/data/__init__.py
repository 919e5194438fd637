"""Training data: BigGAN's preprocessing and step-indexed per-replica pipelines.

`make_source(dataset, ...)` returns the source named by a config's `dataset` field:
  "digits"                       scikit-learn's bundled digits at 32x32 (offline default)
  "imagenet2012"                 tfds, prepared from the ImageNet tars in a manual_dir
  "imagenet_resized/32x32", "imagenet_resized/64x64", "cifar10"
                                 tfds, prepared with `tfds build`
  "folder:/path/to/root"         class sub-folders in tfds' ImageFolder layout
  any other tfds name            with "image" and "label" features
`distributed_dataset(strategy, source, ...)` turns a source into per-replica batches.
"""

from tfbiggan.data.pipeline import distributed_dataset, evaluation_dataset, per_replica_batch_size
from tfbiggan.data.source import IndexedSource, StreamingSource

DATASETS = ("digits", "imagenet2012", "imagenet_resized/32x32", "imagenet_resized/64x64",
            "cifar10", "folder:PATH")
FOLDER_PREFIX = "folder:"


def make_source(dataset, resolution, split="train", data_dir=None, manual_dir=None,
                download=False, classes=None, examples_per_class=0):
  """The data source named `dataset` (see the module docstring) at `resolution` px.

  classes, examples_per_class: keep only these classes (names or indices, renumbered in
  this order) and at most this many examples of each (see `ClassSubset`).
  """
  source = _named_source(dataset, resolution, split, data_dir, manual_dir, download)
  if classes is None and not examples_per_class:
    return source
  from tfbiggan.data.class_subset import ClassSubset  # pylint: disable=import-outside-toplevel
  return ClassSubset(source, classes, examples_per_class)


def _named_source(dataset, resolution, split, data_dir, manual_dir, download):
  if dataset == "digits":
    from tfbiggan.data.digits import DigitsSource  # pylint: disable=import-outside-toplevel
    return DigitsSource(split, resolution)
  if dataset.startswith(FOLDER_PREFIX):
    from tfbiggan.data.image_folder import ImageFolderSource  # pylint: disable=import-outside-toplevel
    return ImageFolderSource(dataset[len(FOLDER_PREFIX):], split, resolution)
  from tfbiggan.data.tfds_source import TfdsSource  # pylint: disable=import-outside-toplevel
  return TfdsSource(dataset, split, resolution, data_dir, manual_dir, download)


__all__ = ["DATASETS", "make_source", "distributed_dataset", "evaluation_dataset",
           "per_replica_batch_size",
           "IndexedSource", "StreamingSource"]
