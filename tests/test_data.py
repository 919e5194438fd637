"""Data: digits, image folders and tfds sources; step-indexed per-replica pipelines."""

import os

import numpy as np
from PIL import Image
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from conftest import mirrored_cpu_strategy
from tfbiggan.data import IndexedSource, distributed_dataset, make_source
from tfbiggan.data import per_replica_batch_size
from tfbiggan.data.class_subset import StreamedRecords
from tfbiggan.data.image_folder import ImageFolderSource
from tfbiggan.data.preprocessing import center_crop_and_resize, prepare_image, read_image


@pytest.fixture(scope="module")
def digits():
  return make_source("digits", 32)


def test_digits_splits_shapes_and_range(digits):
  test = make_source("digits", 32, split="test")
  assert (digits.num_examples, test.num_examples) == (1437, 360)
  image, label = digits.element(tf.constant(5, tf.int64))
  assert image.shape == (32, 32, 3) and image.dtype == tf.float32
  assert -1.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0
  assert float(tf.reduce_max(image)) > 0.5 and 0 <= int(label) < 10


def _global_labels(strategy, source, batch, d_steps, start_step, steps):
  """The labels of each step's global batch, [steps, d_steps, batch], from every replica."""
  iterator = iter(distributed_dataset(strategy, source, batch, d_steps, start_step, seed=3))
  per_replica = batch // strategy.num_replicas_in_sync
  out = []
  for _ in range(steps):
    _, labels = next(iterator)
    parts = [np.reshape(t.numpy(), [d_steps, per_replica])
             for t in strategy.experimental_local_results(labels)]
    out.append(np.concatenate(parts, axis=1))
  return np.stack(out)


def test_global_batches_do_not_depend_on_replicas_and_resume_at_any_step(digits):
  one = _global_labels(mirrored_cpu_strategy(1), digits, 8, 2, 0, 4)
  for n in (2, 4):
    np.testing.assert_array_equal(_global_labels(mirrored_cpu_strategy(n), digits, 8, 2, 0, 4),
                                  one)
  np.testing.assert_array_equal(
      _global_labels(mirrored_cpu_strategy(2), digits, 8, 2, 2, 2), one[2:])
  assert len(np.unique(one)) > 5  # Shuffled, not one class.


def test_an_epoch_visits_every_example_once():
  from tfbiggan.data.pipeline import epoch_permutation  # pylint: disable=import-outside-toplevel
  a = epoch_permutation(0, 100, 1).numpy()
  np.testing.assert_array_equal(np.sort(a), np.arange(100))
  assert not np.array_equal(a, epoch_permutation(1, 100, 1).numpy())


def test_a_batch_the_replicas_cannot_split_is_refused_before_anything_runs(digits):
  with pytest.raises(ValueError, match="cannot be split evenly over 4 replicas"):
    distributed_dataset(mirrored_cpu_strategy(4), digits, 6)
  assert per_replica_batch_size(8, 4) == 2


def test_center_crop_and_resize():
  image = np.zeros([40, 60, 3], np.uint8)
  image[:, 10:50] = 255  # The centre 40x40 square is white, the borders black.
  out = center_crop_and_resize(image, 8).numpy()
  assert out.shape == (8, 8, 3) and np.max(np.abs(out - 255)) <= 1e-3


def test_images_to_project_are_preprocessed_as_training_data(tmp_path):
  """A file and an array of the same image give the same input; grey and RGBA arrays become
  RGB; floats in [-1, 1] pass through."""
  image = np.zeros([40, 60, 3], np.uint8)
  image[:, 10:50] = 255
  Image.fromarray(image).save(tmp_path / "square.png")
  from_file = read_image(str(tmp_path / "square.png"), 8)
  np.testing.assert_allclose(prepare_image(image, 8), from_file, atol=1e-6)
  assert from_file.shape == (8, 8, 3) and from_file.min() >= 1.0 - 1e-5
  grey = prepare_image(image[..., 0], 8)
  rgba = prepare_image(np.concatenate([image, np.zeros([40, 60, 1], np.uint8)], -1), 8)
  np.testing.assert_allclose(grey, from_file, atol=1e-6)
  np.testing.assert_allclose(rgba, from_file, atol=1e-6)
  floats = np.linspace(-1, 1, 8 * 8 * 3, dtype=np.float32).reshape(8, 8, 3)
  np.testing.assert_allclose(prepare_image(floats, 8), floats, atol=1e-6)
  with pytest.raises(ValueError, match=r"must be \[H, W, 3\]"):
    prepare_image(np.zeros([4, 4, 2], np.uint8), 8)


def _write_folder(root, corrupt=True):
  rng = np.random.default_rng(0)
  for split, count in (("train", 3), ("test", 1)):
    for name in ("cat", "ant"):
      folder = os.path.join(root, split, name)
      os.makedirs(folder)
      for i in range(count):
        Image.fromarray(rng.integers(0, 255, [20, 30, 3], dtype=np.uint8)).save(
            os.path.join(folder, f"{i}.png"))
  if corrupt:
    with open(os.path.join(root, "train", "cat", "broken.jpg"), "wb") as f:
      f.write(b"not an image")


def test_image_folder_uses_imagefolder_labels_and_skips_corrupt_files(tmp_path):
  root = str(tmp_path / "images")
  _write_folder(root)
  source = ImageFolderSource(root, "train", resolution=16)
  assert source.num_examples == 6 and source.class_names == ["ant", "cat"]
  assert [os.path.basename(p) for p in source.skipped_paths] == ["broken.jpg"]
  builder = tfds.folder_dataset.ImageFolder(root)
  assert builder.info.features["label"].names == source.class_names
  image, label = source.element(tf.constant(0, tf.int64))
  assert image.shape == (16, 16, 3) and int(label) == 0  # Sorted: ants first.
  strategy = mirrored_cpu_strategy(2)
  images, _ = next(iter(distributed_dataset(strategy, source, 4)))
  assert strategy.experimental_local_results(images)[0].shape == (2, 16, 16, 3)


def test_missing_image_folder_names_the_layout(tmp_path):
  with pytest.raises(FileNotFoundError, match="root/<split>/<class>"):
    make_source(f"folder:{tmp_path}/nothing", 32)


def test_missing_tfds_data_names_data_dir_and_how_to_prepare(tmp_path):
  with pytest.raises(FileNotFoundError, match="tfds build cifar10") as error:
    make_source("cifar10", 32, data_dir=str(tmp_path))
  assert str(tmp_path) in str(error.value)
  with pytest.raises(FileNotFoundError, match="manual_dir"):
    make_source("imagenet2012", 128, data_dir=str(tmp_path))


def test_tfds_stream_is_a_function_of_the_step():
  with tfds.testing.mock_data(num_examples=40):
    source = make_source("cifar10", 32)
    strategy = mirrored_cpu_strategy(2)

    def labels(start_step, steps):
      iterator = iter(distributed_dataset(strategy, source, 4, 1, start_step, seed=1,
                                          shuffle_buffer=16))
      return [np.concatenate([t.numpy() for t in strategy.experimental_local_results(
          next(iterator)[1])]) for _ in range(steps)]

    first = labels(0, 14)  # 14 steps of 4 cross the 40-example epoch.
    np.testing.assert_array_equal(labels(11, 3), first[11:])
    images, _ = next(iter(distributed_dataset(strategy, source, 4)))
    image = strategy.experimental_local_results(images)[0]
    assert image.shape == (2, 32, 32, 3)
    assert -1.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0


def test_class_subset_of_a_tfds_stream_is_read_once_then_indexed():
  with tfds.testing.mock_data(num_examples=60):
    full = make_source("cifar10", 32)
    records, _ = full.host_dataset(0, 1)
    stream = list(records.as_numpy_iterator())
    stream_labels = np.array([example["label"] for example in stream])
    subset = make_source("cifar10", 32, classes=["5", 3])  # Classes 5 and 3, in this order.
    assert isinstance(subset, IndexedSource)
    assert subset.class_names == ["5", "3"] and subset.num_classes == 2  # The mock's names.
    fives, threes = np.flatnonzero(stream_labels == 5), np.flatnonzero(stream_labels == 3)
    assert len(fives) and len(threes)
    assert subset.num_examples == len(fives) + len(threes)
    np.testing.assert_array_equal(subset.labels(), [0] * len(fives) + [1] * len(threes))
    # Example i of the subset is the stream's record, decoded as the full source decodes it.
    image, label = subset.element(tf.constant(len(fives), tf.int64))  # The first 3.
    np.testing.assert_array_equal(image, full.decode(stream[threes[0]])[0])
    assert int(label) == 1
    few = make_source("cifar10", 32, classes=[5, 3], examples_per_class=1)
    np.testing.assert_array_equal(few.labels(), [0, 1])
    np.testing.assert_array_equal(few.element(tf.constant(1, tf.int64))[0],
                                  full.decode(stream[threes[0]])[0])
    # It trains like any indexed source: every label of the pipeline is 0 or 1.
    _, labels = next(iter(distributed_dataset(mirrored_cpu_strategy(2), subset, 8)))
    assert set(np.concatenate([t.numpy() for t in labels.values])) <= {0, 1}
    size = sum(len(stream[i]["image"]) for i in np.concatenate([fives, threes]))
    StreamedRecords(full, [3, 5], max_bytes=size)
    with pytest.raises(ValueError, match=r"hold more than [\d.]+ MiB of encoded images, more "
                                         r"than .* keeps in memory; choose fewer classes"):
      StreamedRecords(full, [3, 5], max_bytes=size - 1)
