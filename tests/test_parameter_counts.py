"""Full-width presets: exact parameter counts and the official modules' variable table.

Counts (G; D) from the paper / compare_gan / the official modules, spec §2 and §6.3. The
initializer is switched to "normal" only to build faster: it changes no shape.
"""

import numpy as np
import pytest

import tfbiggan
from tfbiggan.modules import official_names

EXPECTED = {
    "biggan-128": (70_433_988, 87_982_370),
    "biggan-256": (82_097_604, 98_635_298),
    "biggan-512": (82_296_804, 98_801_378),
    "biggan-deep-128": (50_388_609, 34_590_210),
    "biggan-deep-256": (55_880_833, 38_247_426),
    "biggan-deep-512": (56_163_905, 38_301_122),
}


def _count(model):
  return int(sum(np.prod(w.shape) for w in model.trainable_weights))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_and_official_variables(name):
  config = tfbiggan.get_config(name, initializer="normal")
  generator = tfbiggan.Generator(config)
  assert _count(generator) == EXPECTED[name][0]

  ours = {w.path: tuple(w.shape) for w in generator.weights}
  official = official_names.official_variables(name)
  mapped = set()
  for official_name, shape in official.items():
    path = official_names.keras_path(official_name)
    mapped.add(path)
    assert path in ours, f"{official_name} -> {path} is not a weight of our {name}"
    if path.startswith("Generator/ScaledCrossReplicaBN/") and len(shape) == 4:
      shape = shape[-1:]  # official [1, 1, 1, C] gain / bias; ours [C]
    assert ours[path] == shape, (official_name, shape, ours[path])
  # Trainable weights and SN vectors all come from the official table; only BN statistics
  # of our own (moving averages; the deep modules keep theirs as graph tensors) are extra.
  for path in set(ours) - mapped:
    assert path.rsplit("/", 1)[-1] in ("moving_mean", "moving_var", "accumulated_mean",
                                       "accumulated_var", "accumulation_counter"), path
  del generator
  assert _count(tfbiggan.Discriminator(config)) == EXPECTED[name][1]


def test_official_table_rejects_unknown_module():
  with pytest.raises(ValueError, match="biggan-deep-128"):
    official_names.official_variables("biggan-1024")


def test_ema_suffixes_map_to_the_same_weight():
  assert (official_names.keras_path("Generator/GBlock_3/conv0/w/ema_b999900")
          == official_names.keras_path("Generator/GBlock_3/conv0/w")
          == "Generator/GBlock_3/conv0/w")
  assert (official_names.keras_path("Generator/GBlock_2/BatchNorm_3/offset/w/ema_0.9999")
          == "Generator/GBlock_2/HyperBN_3/beta/w")
