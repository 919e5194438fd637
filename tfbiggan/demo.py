"""The embedded demo, as library functions: train digits-32 on the bundled handwritten
digits, draw it, judge it with a CNN trained on the real digits, measure its truncation curve.

`tfbiggan-demo` (`tfbiggan.cli.demo`) runs them in order and exports the generator between
drawing and measuring. Every path may be on any TensorFlow file system.
"""

import numpy as np

from tfbiggan import files
from tfbiggan.configs import get_config
from tfbiggan.image_grid import save_image_grid
from tfbiggan.run_dir import RunDir
from tfbiggan.sampling import sample_images
from tfbiggan.training.demo_options import demo_options
from tfbiggan.training.loop import train

CURVE_TRUNCATIONS = (1.0, 0.8, 0.6, 0.4, 0.2)
JUDGED_TRUNCATIONS = (1.0, 0.5)


def train_demo(output_dir, steps, seed=0, precision="float32"):
  """Trains (or resumes) digits-32 into <output_dir>/run, computing in `precision`
  (TrainOptions.precision); returns `train`'s result dict with "run" (the `RunDir`) added."""
  run = RunDir(files.join(output_dir, "run"))
  result = train(get_config("digits-32"),
                 demo_options(run.path, steps, seed, precision))
  return dict(result, run=run)


def draw_demo(generator, output_dir, step, samples_per_class=8, truncation=0.5,
              truncation_rows=(1.0, 0.75, 0.5, 0.25), seed=0):
  """Writes <output_dir>/samples.png (rows = digits 0-9) and truncation.png (digit 3, the
  same noise at each of `truncation_rows`); returns both paths."""
  config = generator.config
  cols, scale = samples_per_class, 2
  labels = np.repeat(np.arange(config.num_classes), cols)
  images = sample_images(generator, labels, truncation, seed=seed)
  samples_path = save_image_grid(
      files.join(output_dir, "samples.png"), images, config.num_classes, cols,
      row_labels=[f"digit {d}" for d in range(config.num_classes)], scale=scale,
      title=f"{config.name}, step {step}, EMA G, truncation {truncation:g}")
  noise_rows = [sample_images(generator, np.full(cols, 3), t, seed=seed + 1)
                for t in truncation_rows]
  truncation_path = save_image_grid(
      files.join(output_dir, "truncation.png"), np.concatenate(noise_rows),
      len(truncation_rows), cols, row_labels=[f"t={t:g}" for t in truncation_rows],
      scale=scale, title=f"{config.name}: digit 3, the same noise scaled by t")
  return samples_path, truncation_path


def judge_samples(generator, judge, truncations=JUDGED_TRUNCATIONS, num_samples=1000):
  """{truncation: share of `num_samples` samples (classes in turn) that the classifier
  `judge` assigns to the requested class}."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.metrics.classifier import activations
  labels = np.arange(num_samples) % generator.config.num_classes
  shares = {}
  for truncation in truncations:
    logits, _ = activations(sample_images(generator, labels, truncation), judge)
    shares[truncation] = float(np.mean(logits.argmax(-1) == labels))
  return shares


def demo_truncation_curve(judge, module_path, output_dir, num_samples=2000, seed=0):
  """Measures the exported module at `CURVE_TRUNCATIONS` with the classifier `judge` against
  the 360 held-out test digits; writes <output_dir>/eval/truncation_curve.{json,png}.

  Returns: (the metrics per truncation, (json path, png path)).
  """
  # pylint: disable=import-outside-toplevel
  from tfbiggan.data import evaluation_dataset, make_source
  from tfbiggan.modules.generator_module import load_generator_module
  from tfbiggan.metrics import evaluate
  held_out = evaluation_dataset(make_source("digits", 32, "test"), 100)
  reference = evaluate.compute_reference((images.numpy() for images, _ in held_out), judge,
                                         description="digits/test, demo CNN")
  results = evaluate.truncation_curve(
      load_generator_module(module_path), judge, reference, CURVE_TRUNCATIONS, num_samples,
      seed=seed, num_splits=min(10, num_samples // 20))
  paths = evaluate.save_truncation_curve(
      results, files.join(output_dir, "eval", "truncation_curve"),
      title=f"digits-32 demo, {num_samples} samples per point, the demo's CNN")
  return results, paths


def is_ascending(values):
  """Whether each value is at least the one before it."""
  return all(a <= b for a, b in zip(values, values[1:]))
