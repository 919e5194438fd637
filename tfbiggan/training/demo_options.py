"""The embedded demo's training run: digits-32 for DEMO_STEPS steps (about ten minutes on
two CPU cores), shared by `tfbiggan-demo` and `benchmarks/digits_learning.py`."""

from tfbiggan.training.options import TrainOptions

DEMO_STEPS = 3000


def demo_options(model_dir, steps=DEMO_STEPS, seed=0, mixed_precision=False):
  """TrainOptions of the demo: progress every 50 steps, checkpoints every 400; bfloat16
  compute with `mixed_precision` (see `tfbiggan.training.precision`)."""
  return TrainOptions(model_dir=model_dir, steps=steps, steps_per_loop=50,
                      checkpoint_every=400, summary_every=400, seed=seed,
                      standing_stats_batches=16, mixed_precision=mixed_precision)
