"""`digits-32`: a tiny BigGAN for scikit-learn's bundled handwritten digits (the offline demo).

The digits are 8x8 images of 10 classes (1,797 samples; 1,437 train) that the data pipeline
resizes to 32x32. The layout is biggan-32's (CG) at a twelfth of G's width and a sixth of
D's (G 32 channels, D 32), so that it trains on two CPU cores in minutes; the numerics
(epsilons, SN, hierarchical z, cross-replica BN) are the official ones. The recipe is BP's
CIFAR script with G's learning rate doubled to 2e-4 and an early EMA start, plus what 1,437
images need (docs/design-notes.md, "The digits-32 recipe", measured with
benchmarks/demo_recipes.py): against a discriminator that memorises them, a D of twice the
width, and DiffAugment (translation, cutout) and LeCam (0.3); against a G that collapses
within each class, mode seeking (0.01, MSGAN). In 3,000 steps (four runs: float32 and
bfloat16, two seeds) that gives recall 0.58-0.65 (0.34-0.40 without mode seeking, 0.22
before the recipe) and FID 1.7-1.8x the real-data floor, with 97-98 % of samples the
requested digit at truncation 0.5 (86-90 % at 1).
"""

from tfbiggan.configs.config import BigGANConfig

PRESETS = {
    "digits-32": BigGANConfig(
        name="digits-32", architecture="biggan", resolution=32, num_classes=10,
        dim_z=64,  # 4 chunks of 16 for the 3 G blocks + the first linear layer.
        shared_dim=32, g_ch=8, d_ch=16,
        g_channel_multipliers=(4, 4, 4, 4), g_attention_block=None,
        d_channel_multipliers=(2, 2, 2, 2), d_attention_block=None,
        hierarchical_z=True, num_singular_vectors=1,
        g_lr=2e-4, d_lr=4e-4, d_steps=1, batch_size=64, ema_start_step=500,
        ema_decay=0.999, ortho_reg=0.0, dataset="digits",
        diff_augment="translation,cutout", lecam_weight=0.3, mode_seeking_weight=0.01,
        # Standing statistics per truncation, so samples at t < 1 use their own BN moments.
        truncation_grid=(0.0, 0.25, 0.5, 0.75, 1.0)),
}
