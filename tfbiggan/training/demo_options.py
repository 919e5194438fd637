"""The embedded demo's training run: digits-32 for DEMO_STEPS steps, shared by
`tfbiggan-demo` and the benchmarks that measure it (`benchmarks/digits_learning.py`,
`benchmarks/demo_recipes.py`). The demo trains in bfloat16 on CPUs with AMX or AVX512-BF16
(`tfbiggan.training.precision`; docs/training.md); its duration is in docs/benchmarks.md.
"""

from tfbiggan.training.options import TrainOptions

DEMO_STEPS = 3000


def demo_options(model_dir, steps=None, seed=0, precision="float32"):
  """TrainOptions of the demo: `steps` to reach (None: DEMO_STEPS; 0 trains nothing, e.g. to
  redraw a finished run), progress every 50 steps, checkpoints every 400; computing in
  `precision` (TrainOptions.precision)."""
  return TrainOptions(model_dir=model_dir, steps=DEMO_STEPS if steps is None else steps,
                      steps_per_loop=50, checkpoint_every=400, summary_every=400, seed=seed,
                      standing_stats_batches=16, precision=precision)
