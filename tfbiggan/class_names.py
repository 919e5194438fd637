"""Class names: the ImageNet-1k names shipped with the package, and lookup of classes by name.

The official BigGAN modules take one-hot y over the 1,000 ImageNet classes in the order of the
sorted WordNet ids (tensorflow-datasets' `imagenet2012` labels). `data/imagenet_classes.tsv`
holds, for each index, its WordNet id and its names ("golden retriever", "tench, Tinca tinca"),
so that a class can be asked for by name without any download.
"""

import difflib
import functools
import importlib.resources
import re

# Package data, read through importlib.resources (also from a zipped install).
_IMAGENET_FILE = importlib.resources.files("tfbiggan") / "data" / "imagenet_classes.tsv"
_WORDNET_ID = re.compile(r"^n\d{8}$")


class AmbiguousClassError(ValueError):
  """A class name that names several classes (give the index instead)."""


@functools.lru_cache(maxsize=None)
def _imagenet_table():
  """[(wordnet_id, (name, alias, ...))] for the 1,000 classes, in index order."""
  rows = []
  for line in _IMAGENET_FILE.read_text(encoding="utf-8").splitlines():
    if line.startswith("#") or not line.strip():
      continue
    index, wordnet_id, names = line.split("\t")
    if int(index) != len(rows):
      raise ValueError(f"{_IMAGENET_FILE}: row {len(rows)} has index {index}")
    rows.append((wordnet_id, tuple(n.strip() for n in names.split(","))))
  return tuple(rows)


def imagenet_class_names():
  """The 1,000 ImageNet class names (the first name of each class), in index order."""
  return [names[0] for _, names in _imagenet_table()]


def imagenet_wordnet_ids():
  """The 1,000 ImageNet WordNet ids ("n01440764", ...), in index order."""
  return [wordnet_id for wordnet_id, _ in _imagenet_table()]


def readable_class_names(class_names):
  """`class_names` with WordNet ids (as tfds' imagenet2012 names its labels) replaced by the
  ImageNet names; other names are kept."""
  by_id = {wordnet_id: names[0] for wordnet_id, names in _imagenet_table()}
  return [by_id.get(name, name) for name in class_names]


def default_class_names(num_classes):
  """ImageNet's names for 1,000 classes, else "0", "1", ..."""
  if num_classes == 1000:
    return imagenet_class_names()
  return [str(index) for index in range(num_classes)]


def _aliases(class_names):
  """{lower-case alias: set of indices}: every name, and for ImageNet every WordNet alias and
  WordNet id."""
  aliases = {}

  def add(alias, index):
    aliases.setdefault(alias.strip().lower(), set()).add(index)

  for index, name in enumerate(class_names):
    add(name, index)
  if list(class_names) == imagenet_class_names():
    for index, (wordnet_id, names) in enumerate(_imagenet_table()):
      add(wordnet_id, index)
      for name in names:
        add(name, index)
  return aliases


def lookup_class(query, class_names):
  """The index of the class named `query` in `class_names`.

  Args:
    query: a class index ("207" or 207), a name ("golden retriever"; case does not matter),
      or for ImageNet any WordNet alias ("Tinca tinca") or WordNet id ("n02099601").
    class_names: the model's class names, in index order.

  Raises:
    ValueError: naming the query, with the closest names, when none or several match.
  """
  num_classes = len(class_names)
  text = str(query).strip()
  if re.fullmatch(r"\d+", text):
    index = int(text)
    if index >= num_classes:
      raise ValueError(f"class {index} is out of range: the model has {num_classes} classes "
                       f"(0 to {num_classes - 1})")
    return index
  aliases = _aliases(class_names)
  primary = [i for i, name in enumerate(class_names) if name.lower() == text.lower()]
  matches = sorted(set(primary) if len(primary) == 1 else aliases.get(text.lower(), ()))
  if len(matches) == 1:
    return matches[0]
  if matches:
    options = ", ".join(f"{i} ({class_names[i]})" for i in matches)
    raise AmbiguousClassError(f"class name {text!r} is ambiguous: it names classes "
                              f"{options}; give the index instead")
  close = difflib.get_close_matches(text.lower(), list(aliases), n=5, cutoff=0.6)
  hint = ("; closest: " + ", ".join(
      f"{name!r} ({min(aliases[name])})" for name in close)) if close else ""
  if not close and not _WORDNET_ID.match(text):
    contains = [name for name in aliases if text.lower() in name][:5]
    if contains:
      hint = "; names containing it: " + ", ".join(
          f"{name!r} ({min(aliases[name])})" for name in contains)
  raise ValueError(f"no class is named {text!r}{hint}")


def lookup_classes(queries, class_names):
  """`lookup_class` for each of `queries`; a list of indices."""
  return [lookup_class(query, class_names) for query in queries]


def row_label(class_names, index):
  """A grid row's label for class `index`: "<index> <name>", or the index alone when the
  name is the index."""
  name = class_names[index]
  return name if name == str(index) else f"{index} {name}"
