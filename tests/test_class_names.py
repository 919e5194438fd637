"""ImageNet class names shipped with the package, and class lookup by name."""

import os

import pytest
import tensorflow_datasets as tfds

from tfbiggan import class_names as cn


def test_imagenet_table_matches_tfds_order():
  labels = os.path.join(os.path.dirname(tfds.__file__), "datasets", "imagenet2012",
                        "labels.txt")
  with open(labels) as f:
    tfds_ids = f.read().split()
  assert cn.imagenet_wordnet_ids() == tfds_ids
  names = cn.imagenet_class_names()
  assert len(names) == 1000
  assert (names[0], names[1], names[207], names[999]) == (
      "tench", "goldfish", "golden retriever", "toilet tissue")


@pytest.mark.parametrize("query, index", [
    ("golden retriever", 207), ("Golden Retriever", 207), ("207", 207), (207, 207),
    ("n01440764", 0), ("Tinca tinca", 0), ("white shark", 2), ("  goldfish ", 1)])
def test_lookup_by_index_name_alias_and_wordnet_id(query, index):
  assert cn.lookup_class(query, cn.imagenet_class_names()) == index


def test_lookup_errors_name_the_query_and_the_candidates():
  names = cn.imagenet_class_names()
  with pytest.raises(ValueError, match=r"'crane' is ambiguous: it names classes 134 \(crane\), "
                                       r"517 \(crane\)"):
    cn.lookup_class("crane", names)
  with pytest.raises(ValueError, match=r"no class is named 'golden retreiver'; closest: "
                                       r"'golden retriever' \(207\)"):
    cn.lookup_class("golden retreiver", names)
  with pytest.raises(ValueError, match="class 1000 is out of range: the model has 1000"):
    cn.lookup_class("1000", names)


def test_other_models_use_their_own_names():
  names = ["0", "1", "2"]
  assert cn.lookup_classes(["2", 0], names) == [2, 0]
  assert cn.lookup_class("cat", ["dog", "cat"]) == 1
  with pytest.raises(ValueError, match="no class is named 'tench'"):
    cn.lookup_class("tench", ["dog", "cat"])
  assert cn.default_class_names(3) == names
  assert cn.default_class_names(1000)[207] == "golden retriever"
  assert cn.readable_class_names(["n02099601", "custom"]) == ["golden retriever", "custom"]
