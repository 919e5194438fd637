"""The official TF-Hub modules' variable names and how they map onto our Keras weights.

`official_hub_variables.json` (shipped in tfbiggan/data, from the project's reference spec)
lists every variable of the six official generators (deepmind/biggan-{128,256,512}/2 and
biggan-deep-{128,256,512}/1) with its shape. Our layers are named after the BigGAN (v2)
scopes, so a name maps onto a Keras weight path by a few rules (spec §3.3):

    biggan:  linear/w                  -> Generator/linear/w
             Generator/G_Z/G_linear/*  -> Generator/G_linear/*
             .../CrossReplicaBN[_k]/*  -> .../HyperBN[_k]/*     (the blocks' BN statistics)
             Generator/ScaledCrossReplicaBNbn/* -> Generator/ScaledCrossReplicaBN/*
    deep:    Generator/GenZ/G_linear   -> Generator/G_linear
             .../BatchNorm[_k]/{scale,offset}  -> .../HyperBN[_k]/{gamma,beta}
             Generator/BatchNorm/{scale,offset} -> Generator/ScaledCrossReplicaBN/{gamma,beta}
             Generator/conv_to_rgb     -> Generator/conv_2d
    both:    an /ema_b999900 or /ema_0.9999 suffix marks the EMA copy of the same weight.

The official final-BN gain and bias of biggan are [1, 1, 1, C]; ours are [C].
"""

import functools
import importlib.resources
import json
import re

# Package data, read through importlib.resources (also from a zipped install).
_DATA = importlib.resources.files("tfbiggan") / "data" / "official_hub_variables.json"
EMA_SUFFIXES = ("/ema_b999900", "/ema_0.9999")
MODULES = ("biggan-128", "biggan-256", "biggan-512",
           "biggan-deep-128", "biggan-deep-256", "biggan-deep-512")


@functools.lru_cache(maxsize=None)
def _table():
  return json.loads(_DATA.read_text(encoding="utf-8"))


def _check(module):
  if module not in MODULES:
    raise ValueError(f"unknown official module {module!r}; known: {', '.join(MODULES)}")


@functools.lru_cache(maxsize=None)
def official_variables(module):
  """{name: shape} of one official module's variables, e.g. official_variables("biggan-128").

  Raises:
    ValueError: for a module name not in `MODULES`.
  """
  _check(module)
  return {name: tuple(shape) for name, shape, _ in _table()[module]["vars"]}


def official_info(module):
  """Facts of one official module: z_dim, blocks, attention, and for the deep modules
  `stack_tensors` ([graph tensor name, shape, "mean" | "var"] of its BN statistics)."""
  _check(module)
  return _table()[module]["info"]


def split_ema(name):
  """(name without its EMA suffix, whether it had one)."""
  for suffix in EMA_SUFFIXES:
    if name.endswith(suffix):
      return name[:-len(suffix)], True
  return name, False


_RULES = (
    (r"^linear/", "Generator/linear/"),
    (r"^Generator/(G_Z|GenZ)/G_linear/", "Generator/G_linear/"),
    (r"/CrossReplicaBN(_\d+)?/", r"/HyperBN\1/"),
    (r"^Generator/ScaledCrossReplicaBNbn/", "Generator/ScaledCrossReplicaBN/"),
    (r"^Generator/BatchNorm/scale$", "Generator/ScaledCrossReplicaBN/gamma"),
    (r"^Generator/BatchNorm/offset$", "Generator/ScaledCrossReplicaBN/beta"),
    (r"/BatchNorm(_\d+)?/scale/", r"/HyperBN\1/gamma/"),
    (r"/BatchNorm(_\d+)?/offset/", r"/HyperBN\1/beta/"),
    (r"^Generator/conv_to_rgb/", "Generator/conv_2d/"),
)


def keras_path(official_name):
  """Our Generator's weight path for an official variable name (EMA suffix dropped)."""
  name, _ = split_ema(official_name)
  for pattern, replacement in _RULES:
    name = re.sub(pattern, replacement, name)
  return name
