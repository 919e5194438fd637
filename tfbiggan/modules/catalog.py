"""The official modules by short name, and where they are fetched from.

DeepMind published six BigGAN generators on TF-Hub (spec §1): biggan-{128,256,512} (version 2)
and biggan-deep-{128,256,512} (version 1). A short name maps to the module's TF-Hub URL, which
tfhub.dev answers (now by a redirect to Kaggle Models) with a gzipped tarball of the TF1-format
module when asked with `?tf-hub-format=compressed`. TF-GAN's Inception network, which makes
FID and IS comparable with published figures, is fetched the same way.

`TFBIGGAN_HUB_URL` replaces https://tfhub.dev as the base of these URLs: a mirror, a proxy, or
a local server holding the same paths.
"""

import difflib
import os

HUB_URL_VARIABLE = "TFBIGGAN_HUB_URL"
DEFAULT_HUB_URL = "https://tfhub.dev"

# Short name -> path under the hub URL.
OFFICIAL_PATHS = {
    "biggan-128": "deepmind/biggan-128/2",
    "biggan-256": "deepmind/biggan-256/2",
    "biggan-512": "deepmind/biggan-512/2",
    "biggan-deep-128": "deepmind/biggan-deep-128/1",
    "biggan-deep-256": "deepmind/biggan-deep-256/1",
    "biggan-deep-512": "deepmind/biggan-deep-512/1",
}
INCEPTION_PATH = "tensorflow/tfgan/eval/inception/1"


def hub_url():
  """The base URL of the official modules: $TFBIGGAN_HUB_URL, else https://tfhub.dev."""
  return os.environ.get(HUB_URL_VARIABLE, "").rstrip("/") or DEFAULT_HUB_URL


def official_url(name):
  """The URL of the official module `name` ("biggan-deep-256"), under `hub_url()`."""
  return f"{hub_url()}/{OFFICIAL_PATHS[name]}"


def inception_url():
  """The URL of TF-GAN's Inception network, under `hub_url()`."""
  return f"{hub_url()}/{INCEPTION_PATH}"


def closest_names(text, count=1):
  """The short names most like `text` (a typo of one, e.g. "biggan-deep-265"), maybe none."""
  return difflib.get_close_matches(str(text).strip().lower(), list(OFFICIAL_PATHS), n=count,
                                   cutoff=0.75)
