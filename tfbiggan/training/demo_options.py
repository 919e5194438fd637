"""The embedded demo's training run: digits-32 for about ten minutes on two CPU cores, shared
by `tfbiggan-demo` and the benchmarks that measure it (`benchmarks/digits_learning.py`,
`benchmarks/demo_recipes.py`).

bfloat16 buys steps: on CPUs with AMX or AVX512-BF16 (`tfbiggan.training.precision`) a
digits-32 step runs about 1.7x faster than in float32, so the demo trains DEMO_STEPS there and
DEMO_STEPS_FLOAT32 elsewhere, each about ten minutes on two cores (docs/training.md).
"""

from tfbiggan.training.options import TrainOptions

DEMO_STEPS = 3000
DEMO_STEPS_FLOAT32 = 2100


def demo_steps(mixed_precision):
  """The demo's step count in bfloat16 (`mixed_precision`) or float32."""
  return DEMO_STEPS if mixed_precision else DEMO_STEPS_FLOAT32


def demo_options(model_dir, steps=None, seed=0, mixed_precision=False):
  """TrainOptions of the demo: `steps` (default: `demo_steps(mixed_precision)`), progress
  every 50 steps, checkpoints every 400; bfloat16 compute with `mixed_precision`."""
  return TrainOptions(model_dir=model_dir, steps=steps or demo_steps(mixed_precision),
                      steps_per_loop=50, checkpoint_every=400, summary_every=400, seed=seed,
                      standing_stats_batches=16, mixed_precision=mixed_precision)
