"""`TfdsSource`: ImageNet, imagenet_resized, CIFAR-10 (or any image/label data set) on tfds.

The data must be prepared in `data_dir` beforehand (`tfds build`); nothing is downloaded
unless `download=True`. Images are read undecoded, in tfds' fixed file order, each host
reading its own even part of the split (`tfds.even_splits`), then decoded, centre-cropped
and resized by `tfbiggan.data.preprocessing`.
"""

from absl import logging
import tensorflow as tf
import tensorflow_datasets as tfds

from tfbiggan.data.preprocessing import decode_and_preprocess
from tfbiggan.data.source import StreamingSource

_MANUAL = {
    "imagenet2012": (
        "ImageNet is downloaded by hand: put ILSVRC2012_img_train.tar and "
        "ILSVRC2012_img_val.tar (from image-net.org) into a manual_dir, then run\n"
        "  tfds build imagenet2012 --data_dir={data_dir} --manual_dir=MANUAL_DIR\n"
        "or pass --manual_dir=MANUAL_DIR --download to tfbiggan-train."),
}


def _missing_message(name, data_dir, error):
  data_dir = data_dir or "~/tensorflow_datasets"
  base = name.split("/")[0]
  how = _MANUAL.get(base, (
      "Prepare it on a machine with internet access with\n"
      "  tfds build {name} --data_dir={data_dir}\n"
      "(or pass --download to tfbiggan-train), then point --data_dir at it.")).format(
          name=name, data_dir=data_dir)
  return (f"the tensorflow-datasets data set {name!r} is not prepared in data_dir "
          f"{data_dir!r} ({error}).\n{how}")


class TfdsSource(StreamingSource):
  """One split of a tensorflow-datasets image classification data set."""

  def __init__(self, name, split="train", resolution=128, data_dir=None, manual_dir=None,
               download=False):
    try:
      builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as error:
      raise ValueError(f"unknown tensorflow-datasets name {name!r}: {error}") from None
    if download:
      logging.info("preparing %s in %s", name, builder.data_dir)
      builder.download_and_prepare(
          download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))
    features = builder.info.features
    if "image" not in features or "label" not in features:
      raise ValueError(f"{name!r} has features {list(features)}; training needs 'image' "
                       "and 'label'")
    self._builder = builder
    self._name = name
    self._data_dir = data_dir
    try:
      num_examples = int(self._read(split).cardinality())
    except (AssertionError, FileNotFoundError, tf.errors.NotFoundError) as error:
      raise FileNotFoundError(_missing_message(name, data_dir, error)) from None
    super().__init__(name=name, split=split, num_examples=num_examples,
                     num_classes=features["label"].num_classes,
                     class_names=list(features["label"].names), resolution=resolution)

  def _read(self, split):
    return self._builder.as_dataset(
        split=split, shuffle_files=False,
        decoders={"image": tfds.decode.SkipDecoding()},
        read_config=tfds.ReadConfig(try_autocache=False))

  def host_dataset(self, host_id, num_hosts):
    split = tfds.even_splits(self.split, n=num_hosts, drop_remainder=True)[host_id]
    dataset = self._read(split)
    dataset = dataset.map(lambda ex: {"image": ex["image"], "label": ex["label"]})
    return dataset, int(dataset.cardinality())

  def decode(self, example):
    image = decode_and_preprocess(example["image"], self.resolution)
    return image, tf.cast(example["label"], tf.int32)
