"""`digits-32`: a tiny BigGAN for scikit-learn's bundled handwritten digits (the offline demo).

The digits are 8x8 images of 10 classes (1,797 samples) that the data pipeline resizes to
32x32. The layout is biggan-32's (CG) at a twelfth of its width (G 32 channels, D 16), so
that it trains on two CPU cores in minutes (about 7 steps/s); the numerics (epsilons, SN,
hierarchical z, cross-replica BN) are the official ones. The recipe is BP's CIFAR script
(1 D step, D 4e-4, batch 64) with G's learning rate doubled to 2e-4 and an early EMA start:
measured with benchmarks/digits_learning.py, 3,000 steps bring 98 % (truncation 1.0) and
100 % (0.5) of samples to the requested class; at 1e-4 and width 64, 1,200 steps gave 16 %.
"""

from tfbiggan.configs.config import BigGANConfig

PRESETS = {
    "digits-32": BigGANConfig(
        name="digits-32", architecture="biggan", resolution=32, num_classes=10,
        dim_z=64,  # 4 chunks of 16 for the 3 G blocks + the first linear layer.
        shared_dim=32, g_ch=8, d_ch=8,
        g_channel_multipliers=(4, 4, 4, 4), g_attention_block=None,
        d_channel_multipliers=(2, 2, 2, 2), d_attention_block=None,
        hierarchical_z=True, num_singular_vectors=1,
        g_lr=2e-4, d_lr=4e-4, d_steps=1, batch_size=64, ema_start_step=500,
        ema_decay=0.999, ortho_reg=0.0, dataset="digits",
        # Standing statistics per truncation, so samples at t < 1 use their own BN moments.
        truncation_grid=(0.0, 0.25, 0.5, 0.75, 1.0)),
}
