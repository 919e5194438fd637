"""BigGAN-deep presets (Brock et al. 2019, App. B), 32 to 512 px.

Sources, as tagged in docs/reference/biggan_spec.md:
  HUB: the official TF-Hub modules deepmind/biggan-deep-{128,256,512}/1 (Table 2 rows 6-8).
  HF:  huggingface/pytorch-pretrained-BigGAN (the hub modules' layer lists, 128-channel
       conv_to_rgb sliced to RGB).
  CG:  google/compare_gan `architectures/resnet_biggan_deep.py` (layouts, D, param counts).
"""

from tfbiggan.configs.config import BigGANConfig

_COMMON = dict(
    architecture="biggan-deep",
    g_ch=128,  # App. B: BigGAN-deep uses ch = 128.
    d_ch=128,
    shared_dim=128,
    hierarchical_z=False,  # Deep feeds [z, embedding] to every BN (HF model.py L293).
    g_rgb_channels=128,  # HUB conv_to_rgb is [3, 3, 128, 128], sliced to 3 (HF L225, L246).
    num_singular_vectors=1,  # HUB deep modules keep u0 only.
    batch_size=2048,
)

PRESETS = {
    # HUB biggan-deep-128/1: 10 blocks, attention before GBlock_8 (64x64, 2ch); D: CG with
    # attention after B2 (64x64). G 50,388,609 (HF README "50.4M") / D 34,590,210 (CG test).
    # Paper App. C: G 5e-5, D 2e-4 at 128.
    "biggan-deep-128": BigGANConfig(
        name="biggan-deep-128", resolution=128, dim_z=128,
        g_channel_multipliers=(16, 16, 16, 16, 8, 8, 4, 4, 2, 2, 1), g_attention_block=8,
        d_channel_multipliers=(1, 2, 2, 4, 4, 8, 8, 16, 16, 16, 16), d_attention_block=1,
        g_lr=5e-5, d_lr=2e-4, **_COMMON),
    # HUB biggan-deep-256/1: 12 blocks, attention before GBlock_8 (64x64, 4ch); D attention
    # after B4 (64x64). G 55,880,833 / D 38,247,426. Paper App. C: 2.5e-5 for both.
    "biggan-deep-256": BigGANConfig(
        name="biggan-deep-256", resolution=256, dim_z=128,
        g_channel_multipliers=(16, 16, 16, 16, 8, 8, 8, 8, 4, 4, 2, 2, 1),
        g_attention_block=8,
        d_channel_multipliers=(1, 2, 2, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16), d_attention_block=3,
        g_lr=2.5e-5, d_lr=2.5e-5, **_COMMON),
    # HUB biggan-deep-512/1: 14 blocks, attention before GBlock_8 (64x64, 4ch); D attention
    # after B6 (64x64). G 56,163,905 / D 38,301,122. Paper App. C: 2.5e-5 for both.
    "biggan-deep-512": BigGANConfig(
        name="biggan-deep-512", resolution=512, dim_z=128,
        g_channel_multipliers=(16, 16, 16, 16, 8, 8, 8, 8, 4, 4, 2, 2, 1, 1, 1),
        g_attention_block=8,
        d_channel_multipliers=(1, 1, 1, 2, 2, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16),
        d_attention_block=5,
        g_lr=2.5e-5, d_lr=2.5e-5, **_COMMON),
}
