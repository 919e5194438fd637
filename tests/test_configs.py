import json

import pytest

import tfbiggan
from tfbiggan.configs import BigGANConfig


def test_presets():
  assert tfbiggan.list_configs() == sorted([
      "biggan-32", "biggan-64", "biggan-128", "biggan-256", "biggan-512",
      "biggan-deep-128", "biggan-deep-256", "biggan-deep-512", "digits-32"])
  for name in tfbiggan.list_configs():
    config = tfbiggan.get_config(name)
    assert config.name == name
    assert config.bn_epsilon == config.sn_epsilon == 1e-4


def test_official_interface_values():
  dims = {"biggan-128": 120, "biggan-256": 140, "biggan-512": 128, "biggan-deep-128": 128,
          "biggan-deep-256": 128, "biggan-deep-512": 128}
  for name, dim_z in dims.items():
    config = tfbiggan.get_config(name)
    assert (config.dim_z, config.num_classes, config.resolution) == (
        dim_z, 1000, int(name.rsplit("-", 1)[1]))
  assert tfbiggan.get_config("biggan-512").z_chunk_size == 16
  assert tfbiggan.get_config("biggan-128").condition_dim == 148
  assert tfbiggan.get_config("biggan-deep-256").condition_dim == 256


def test_paper_recipe():
  assert (tfbiggan.get_config("biggan-128").g_lr, tfbiggan.get_config("biggan-128").d_lr) == (
      5e-5, 2e-4)
  assert tfbiggan.get_config("biggan-deep-512").g_lr == 2.5e-5
  config = tfbiggan.get_config("biggan-256")
  assert (config.adam_beta1, config.adam_beta2, config.d_steps, config.ema_decay,
          config.ortho_reg, config.loss) == (0.0, 0.999, 2, 0.9999, 1e-4, "hinge")


def test_unknown_name_lists_the_known_ones():
  with pytest.raises(ValueError, match="known configs: biggan-128, biggan-256"):
    tfbiggan.get_config("biggan-100")


def test_overrides_and_json_round_trip():
  config = tfbiggan.get_config("digits-32", g_ch=8, truncation_grid=[0.5, 1.0])
  assert config.g_ch == 8 and config.truncation_grid == (0.5, 1.0)
  assert BigGANConfig.from_dict(json.loads(config.to_json())) == config
  with pytest.raises(ValueError, match="unknown config field"):
    tfbiggan.get_config("digits-32", g_width=8)


@pytest.mark.parametrize("overrides, message", [
    (dict(dim_z=100), "not divisible by 6"),
    (dict(resolution=256), "upsample 4x4 to 128x128"),
    (dict(g_attention_block=9), "g_attention_block"),
    (dict(truncation_grid=(1.0, 0.5)), "truncation_grid"),
    (dict(architecture="stylegan"), "architecture"),
    (dict(mode_seeking_weight=-1.0), "mode_seeking_weight must be >= 0"),
    (dict(mode_seeking_weight=1.0, batch_size=255), "mode_seeking_weight needs an even"),
    (dict(d_accumulations=3), "batch_size=2048 is not divisible by it"),
    (dict(g_accumulations=0), "g_accumulations must be >= 1"),
    (dict(mode_seeking_weight=1.0, batch_size=6, g_accumulations=2),
     "micro-batch, which has 3 rows"),
    (dict(lecam_weight=0.3, d_accumulations=2), "lecam_weight needs d_accumulations=1"),
    (dict(cdc_weight=-1.0), "cdc_weight must be >= 0"),
    (dict(cdc_weight=1000.0, batch_size=12, g_accumulations=2),
     "in groups of 4, but it has 6 rows .batch_size 12 / g_accumulations 2.; use a multiple"),
])
def test_invalid_configs_name_the_field(overrides, message):
  with pytest.raises(ValueError, match=message):
    tfbiggan.get_config("biggan-128", **overrides)
