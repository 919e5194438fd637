"""`digits-32`: a tiny BigGAN for scikit-learn's bundled handwritten digits (the offline demo).

The digits are 8x8 images of 10 classes (1,797 samples) that the data pipeline resizes to
32x32. The layout is biggan-32's (CG) at a sixth of its width, so that it trains on two CPU
cores in minutes; the numerics (epsilons, SN, hierarchical z, cross-replica BN) are the
official ones. The recipe follows BP's CIFAR script (1 D step, G 1e-4 / D 4e-4) with a
small batch and an early EMA start.
"""

from tfbiggan.configs.config import BigGANConfig

PRESETS = {
    "digits-32": BigGANConfig(
        name="digits-32", architecture="biggan", resolution=32, num_classes=10,
        dim_z=64,  # 4 chunks of 16 for the 3 G blocks + the first linear layer.
        shared_dim=32, g_ch=16, d_ch=16,
        g_channel_multipliers=(4, 4, 4, 4), g_attention_block=None,
        d_channel_multipliers=(2, 2, 2, 2), d_attention_block=None,
        hierarchical_z=True, num_singular_vectors=1,
        g_lr=1e-4, d_lr=4e-4, d_steps=1, batch_size=64, ema_start_step=200,
        ema_decay=0.999, ortho_reg=0.0, dataset="digits"),
}
