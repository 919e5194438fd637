"""BigGAN presets (Brock et al. 2019), 32 to 512 px.

Sources, as tagged in docs/reference/biggan_spec.md:
  HUB: the official TF-Hub modules deepmind/biggan-{128,256,512}/2 (paper Table 2 rows 3-5).
  CG:  google/compare_gan `architectures/resnet_biggan.py` (layouts, D attention, param counts).
  BP:  ajbrock/BigGAN-PyTorch (the authors' PyTorch code, scripts, CIFAR recipe).
"""

from tfbiggan.configs.config import BigGANConfig

_COMMON = dict(
    architecture="biggan",
    g_ch=96,  # Paper Table 1, final row: ch = 96.
    d_ch=96,
    shared_dim=128,  # Paper §3: shared embedding of size 128.
    hierarchical_z=True,  # Paper §3 "skip-z".
    num_singular_vectors=3,  # HUB graph keeps u0, u1, u2 (spec §3.2, §3.4).
    # Paper App. C (spec §4): G 5e-5, D 2e-4, 2 D steps, batch 2048, EMA 0.9999.
    g_lr=5e-5,
    d_lr=2e-4,
    d_steps=2,
    batch_size=2048,
)

PRESETS = {
    # HUB biggan-128/2: dim_z 120 = 6 chunks of 20; attention before GBlock_4 (64x64, 2ch);
    # D attention after B1 (CG docstring "B1"). G 70,433,988 / D 87,982,370 params (CG).
    "biggan-128": BigGANConfig(
        name="biggan-128", resolution=128, dim_z=120,
        g_channel_multipliers=(16, 16, 8, 4, 2, 1), g_attention_block=4,
        d_channel_multipliers=(1, 2, 4, 8, 16, 16), d_attention_block=0, **_COMMON),
    # HUB biggan-256/2: dim_z 140 = 7 chunks of 20; attention before GBlock_5 (128x128, 2ch);
    # D attention after B2 (CG). G 82,097,604 / D 98,635,298 params.
    "biggan-256": BigGANConfig(
        name="biggan-256", resolution=256, dim_z=140,
        g_channel_multipliers=(16, 16, 8, 8, 4, 2, 1), g_attention_block=5,
        d_channel_multipliers=(1, 2, 4, 8, 8, 16, 16), d_attention_block=1, **_COMMON),
    # HUB biggan-512/2: dim_z 128 = 8 chunks of 16 (CG's own 512 config uses 160); attention
    # before GBlock_4 (64x64, 4ch); D attention after B3 (CG). G 82,296,804 / D 98,801,378.
    "biggan-512": BigGANConfig(
        name="biggan-512", resolution=512, dim_z=128,
        g_channel_multipliers=(16, 16, 8, 8, 4, 2, 1, 1), g_attention_block=4,
        d_channel_multipliers=(1, 1, 2, 4, 8, 8, 16, 16), d_attention_block=2, **_COMMON),
    # Not released on TF-Hub: CG layouts (resnet_biggan.py L213-216, L353-356); dim_z 120 =
    # 5 chunks of 24. Attention at 32x32 in G and D is our choice (implementation-defined).
    "biggan-64": BigGANConfig(
        name="biggan-64", resolution=64, dim_z=120,
        g_channel_multipliers=(16, 16, 8, 4, 2), g_attention_block=3,
        d_channel_multipliers=(2, 4, 8, 16, 16), d_attention_block=0,
        dataset="imagenet_resized/64x64", **_COMMON),
    # CIFAR-size: CG layouts; no attention, and BP's CIFAR recipe (scripts/launch_cifar_*.sh:
    # batch 64, 1 D step, G 1e-4 / D 4e-4, no ortho reg, EMA from step 1000).
    "biggan-32": BigGANConfig(
        name="biggan-32", resolution=32, dim_z=128, num_classes=10,
        g_channel_multipliers=(4, 4, 4, 4), g_attention_block=None,
        d_channel_multipliers=(2, 2, 2, 2), d_attention_block=None, dataset="cifar10",
        **{**_COMMON, "g_lr": 1e-4, "d_lr": 4e-4, "d_steps": 1, "batch_size": 64,
           "ema_start_step": 1000, "ortho_reg": 0.0}),
}
