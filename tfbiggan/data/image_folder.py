"""`ImageFolderSource`: a user's images in class sub-folders, in tfds' ImageFolder layout.

    root/
      train/            # a split
        class_a/  *.jpg, *.jpeg, *.png
        class_b/  ...

Class ids are the sorted class folder names, as `tfds.folder_dataset.ImageFolder` numbers
them. Every file is checked once when the source is made (PIL opens and verifies it); files
that cannot be read are skipped, counted and named in the log, so training never stops on
one corrupt image and the data order stays a function of the step. The root may be on any
TensorFlow file system (`gs://bucket/images`).
"""

from absl import logging
import tensorflow as tf

from tfbiggan import files
from tfbiggan.data.preprocessing import decode_and_preprocess
from tfbiggan.data.source import IndexedSource

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")  # Those tfds' ImageFolder lists.


def _subfolders(path):
  # Bucket listings name folders with a trailing "/".
  return sorted(name.rstrip("/") for name in tf.io.gfile.listdir(path)
                if tf.io.gfile.isdir(files.join(path, name.rstrip("/"))))


def _is_readable_image(path):
  from PIL import Image  # pylint: disable=import-outside-toplevel
  try:
    with tf.io.gfile.GFile(path, "rb") as f, Image.open(f) as image:
      image.verify()
    return True
  except Exception:  # pylint: disable=broad-except  (PIL raises many kinds)
    return False


def scan_image_folder(root, split="train"):
  """(paths, labels, class_names, skipped_paths) of `root/split/<class>/<image>`.

  Raises:
    FileNotFoundError: naming the layout, when root or root/split is missing or empty.
  """
  layout = ("expected root/<split>/<class>/<image>.{jpg,jpeg,png}, the layout of "
            "tfds.folder_dataset.ImageFolder")
  if not tf.io.gfile.isdir(root):
    raise FileNotFoundError(f"image folder {root!r} does not exist; {layout}")
  split_dir = files.join(root, split)
  if not tf.io.gfile.isdir(split_dir):
    raise FileNotFoundError(f"image folder {root!r} has no split folder {split!r} (it has "
                            f"{_subfolders(root)}); {layout}")
  class_names = _subfolders(split_dir)
  paths, labels, skipped = [], [], []
  for label, class_name in enumerate(class_names):
    class_dir = files.join(split_dir, class_name)
    for name in sorted(tf.io.gfile.listdir(class_dir)):
      if not name.lower().endswith(IMAGE_EXTENSIONS):
        continue
      path = files.join(class_dir, name)
      if _is_readable_image(path):
        paths.append(path)
        labels.append(label)
      else:
        skipped.append(path)
  if not paths:
    raise FileNotFoundError(f"no readable images under {split_dir!r}; {layout}")
  return paths, labels, class_names, skipped


class ImageFolderSource(IndexedSource):
  """Images of one split of an image folder, decoded, centre-cropped and resized on read."""

  def __init__(self, root, split="train", resolution=128):
    paths, labels, class_names, skipped = scan_image_folder(root, split)
    if skipped:
      logging.warning("image folder %s: skipped %d unreadable file(s), e.g. %s", root,
                      len(skipped), ", ".join(skipped[:5]))
    super().__init__(name=f"folder:{root}", split=split, num_examples=len(paths),
                     num_classes=len(class_names), class_names=class_names,
                     resolution=resolution)
    self.skipped_paths = skipped
    self._paths = tf.constant(paths)
    self._labels = tf.constant(labels, tf.int32)

  def labels(self):
    return self._labels.numpy()

  def element(self, index):
    encoded = tf.io.read_file(tf.gather(self._paths, index))
    return decode_and_preprocess(encoded, self.resolution), tf.gather(self._labels, index)
