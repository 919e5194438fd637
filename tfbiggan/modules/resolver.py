"""What a user names as a module, made a folder that loads: fetched, cached, converted once.

Every place that takes a module (`tfbiggan.load_pretrained`, the commands' --module,
--init_generator, the notebooks, the evaluation's Inception network) goes through `fetch` or
`resolve_module`. A handle is one of:

  a folder                  one of our modules, an official module, or any SavedModel
                            (on any TensorFlow file system)
  a .tar.gz                 an official module's tarball, extracted into the cache
  a URL                     https://tfhub.dev/deepmind/biggan-deep-128/1, fetched as TF-Hub's
                            client fetches it (`tfbiggan.modules.download`) into the cache
  a short name              biggan-128, ..., biggan-deep-512: the official module's URL
                            (`tfbiggan.modules.catalog`)
  a Kaggle Models handle    deepmind/biggan/tensorFlow1/deep-128, fetched by kagglehub (its
                            own cache) when it is installed

`resolve_module` then converts an official module into our format, once, into the cache beside
it (`tfbiggan.modules.cache`), so that a second use makes no request and no conversion.
"""

import re

from absl import logging

from tfbiggan import files
from tfbiggan.modules import cache
from tfbiggan.modules import catalog
from tfbiggan.modules.download import DownloadError, compressed_url, download_module
from tfbiggan.modules.download import extract_local_tarball
from tfbiggan.modules.official import is_official_module

TARBALL_SUFFIXES = (".tar.gz", ".tgz")
# Kaggle Models handles: owner/model/framework/variation[/version].
_KAGGLE_HANDLE = re.compile(r"^[\w.-]+/[\w.-]+/(?P<framework>[\w.-]+)/[\w.-]+(/\d+)?$")
KAGGLE_FRAMEWORKS = ("tensorflow1", "tensorflow2", "tflite", "tfjs", "jax", "flax", "keras",
                     "pytorch", "transformers", "other")


def is_url(handle):
  return str(handle).startswith(("http://", "https://"))


def is_kaggle_handle(handle):
  """Whether `handle` has the shape of a Kaggle Models handle (its framework one of
  Kaggle's), e.g. deepmind/biggan/tensorFlow1/deep-128."""
  match = _KAGGLE_HANDLE.match(str(handle))
  return bool(match) and match.group("framework").lower() in KAGGLE_FRAMEWORKS


def fetch(handle):
  """The folder holding the module that `handle` names (see the module docstring),
  downloaded or extracted into the cache when it is not a folder already.

  Raises:
    FileNotFoundError: nothing of that name (with the closest short name, if any).
    DownloadError: a fetch that failed; says how to download the module by hand.
    ValueError: a file that is not a .tar.gz, or a tarball member that escapes its folder.
    ImportError: a Kaggle handle without kagglehub installed.
  """
  return _fetch(str(handle).strip())[0]


def resolve_module(handle):
  """`fetch(handle)`, with an official module converted into our format (once; the cached
  copy serves every later call). Returns a folder to load with `tf.saved_model.load`."""
  handle = str(handle).strip()
  folder, key = _fetch(handle)
  if not is_official_module(folder):
    return folder
  path = cache.entry_path(key, cache.CONVERTED_SUFFIX)
  if cache.is_complete(path):
    return path

  def convert_into(scratch):
    # Writing our format is tfbiggan_export's; this is the one place the core calls it.
    from tfbiggan_export.converter import convert  # pylint: disable=import-outside-toplevel
    logging.info("converting the official module %s into our format, once: %s", handle,
                 path)
    convert(folder, scratch, overwrite=True)

  return cache.fill_entry(path, convert_into, f"Converted from: {handle} ({folder})")


def _fetch(handle):
  """(folder, cache key) of `handle`."""
  if is_url(handle):
    return _download(handle, handle), handle
  if files.exists(handle):
    if files.isdir(handle):
      return handle, f"folder {files.absolute(handle)} {_stamp(handle)}"
    if handle.endswith(TARBALL_SUFFIXES):
      key = f"tarball {files.absolute(handle)} {_stamp(handle)}"
      return cache.fill_entry(cache.entry_path(key),
                              lambda folder: extract_local_tarball(handle, folder),
                              f"Extracted from: {handle}"), key
    raise ValueError(f"{handle} is a file; give a module folder or its "
                     f"{' / '.join(TARBALL_SUFFIXES)} tarball")
  if handle in catalog.OFFICIAL_PATHS:  # After folders: a downloaded one of that name wins.
    url = catalog.official_url(handle)
    return _download(url, handle), url
  if is_kaggle_handle(handle):
    return _kaggle(handle), f"kaggle {handle}"
  close = catalog.closest_names(handle)
  hint = (f"; did you mean {close[0]}?" if close else
          "; give a module folder, a .tar.gz, a URL, a Kaggle handle or a short name "
          f"({', '.join(catalog.OFFICIAL_PATHS)})")
  raise FileNotFoundError(f"no module at {handle}{hint}")


def _stamp(path):
  """Size and modification time of a tarball, or of an official folder's variables: a
  changed module gets a new cache entry."""
  target = path
  if files.isdir(path):
    target = files.join(path, "variables", "variables.index")
    if not files.exists(target):
      return ""
  stat = files.gfile.stat(target)
  return f"{stat.length} {stat.mtime_nsec}"


def _download(url, name):
  path = cache.entry_path(url)
  if cache.is_complete(path):
    return path
  try:
    return cache.fill_entry(path, lambda folder: download_module(url, folder),
                            f"Module: {url}")
  except DownloadError as error:
    parts = url.rstrip("/").split("/")
    folder = parts[-2] if parts[-1].isdigit() and len(parts) > 1 else parts[-1]
    raise DownloadError(
        f"{error}. To download it by hand: curl -L -o {folder}.tar.gz "
        f"'{compressed_url(url)}' && mkdir {folder} && tar -xzf {folder}.tar.gz -C {folder}, "
        f"then pass the folder {folder} in place of {name}") from None


def _kaggle(handle):
  try:
    import kagglehub  # pylint: disable=import-outside-toplevel
  except ImportError:
    raise ImportError(f"{handle} is a Kaggle Models handle: pip install kagglehub to fetch "
                      "it, or give the module's short name or TF-Hub URL") from None
  try:
    return kagglehub.model_download(handle)
  except Exception as error:  # pylint: disable=broad-except  (kagglehub raises many kinds)
    raise DownloadError(f"kagglehub could not fetch {handle}: {error}") from None
