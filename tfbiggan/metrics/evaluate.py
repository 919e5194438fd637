"""Evaluation of a generator module: reference statistics, metrics, the truncation curve.

  reference = compute_reference(real_batches, classifier)   # once per data set, saved (npz)
  curve = truncation_curve(module, classifier, reference, [1.0, 0.8, 0.6, 0.4, 0.2])
  save_truncation_curve(curve, "curve")                      # curve.png (IS vs FID), .json

The module is any SavedModel with the official BigGAN signature (ours, converted, exported):
samples are drawn with z = t * truncnorm(-2, 2) (seeded), classes uniform, and the same
truncation t passed to the module. Each local replica of the classifier's strategy generates
and classifies its rows of every batch, so only activations travel to the host. They are
streamed: FID's moments accumulate in O(D^2); IS keeps the logits and KID / precision-recall
the features of at most `max_features` samples (memory bounded for 50k samples).
"""

import dataclasses
import io
import json
import time

from absl import logging
import numpy as np
import tensorflow as tf

from tfbiggan import files
from tfbiggan.distribute.replicas import split_across_replicas
from tfbiggan.modules.generator_module import module_function, module_sizes
from tfbiggan.metrics.activations import StreamingMoments
from tfbiggan.metrics.frechet import frechet_distance_from_statistics
from tfbiggan.metrics.inception_score import inception_score
from tfbiggan.metrics.kernel_distance import kernel_inception_distance
from tfbiggan.metrics.precision_recall import precision_recall
from tfbiggan.progress import Progress, format_duration, track
from tfbiggan.sampling import noise_batches

REFERENCE_VERSION = 1


@dataclasses.dataclass
class Reference:
  """A data set's reference statistics for one classifier.

  mean [D], cov [D, D]: moments of all its features; features [M, D]: up to max_features
  of them (KID, precision / recall); num_samples: how many images; description: what data
  and classifier they came from.
  """
  mean: np.ndarray
  cov: np.ndarray
  features: np.ndarray
  num_samples: int
  description: str = ""

  def save(self, path):
    """Writes the npz atomically, on any TensorFlow file system."""
    return files.save_npz(path, mean=self.mean, cov=self.cov, features=self.features,
                          num_samples=self.num_samples, description=self.description,
                          version=REFERENCE_VERSION)

  @classmethod
  def load(cls, path):
    """Reads a reference written by `save`.

    Raises:
      ValueError: the file is not a tfbiggan reference.
    """
    try:
      data = files.load_npz(path)
    except (OSError, ValueError) as error:  # Not a zip archive, or not numpy's.
      raise ValueError(f"{path} is not an npz file ({error})") from None
    missing = {"mean", "cov", "features", "num_samples"} - set(data)
    if missing:
      raise ValueError(f"{path} is not a tfbiggan reference npz (it lacks "
                       f"{sorted(missing)}); compute one with compute_reference or "
                       "tfbiggan-eval --reference_dataset")
    return cls(data["mean"], data["cov"], data["features"], int(data["num_samples"]),
               str(data["description"]) if "description" in data else "")


class _Accumulator:
  """Streams classifier outputs: moments of all features, logits, a capped feature sample."""

  def __init__(self, max_features):
    self.moments = StreamingMoments()
    self.logits, self.features = [], []
    self.max_features = max_features
    self._kept = 0

  def add(self, logits, features):
    self.moments.update(features)
    self.logits.append(np.asarray(logits, np.float32))
    keep = min(len(features), self.max_features - self._kept)
    if keep > 0:
      self.features.append(np.asarray(features[:keep], np.float32))
      self._kept += keep


def compute_reference(batches, classifier, max_features=10000, description="",
                      total=None):
  """The `Reference` of real images: an iterable of batches [B, H, W, 3] in [-1, 1]; with
  `total` (the number of images), a progress line with ETA every 30 s."""
  if total:
    batches = track(batches, Progress("reference statistics: images", total, "images",
                                      min_interval_s=30))
  accumulator = _Accumulator(max_features)
  for batch in batches:
    accumulator.add(*classifier(batch))
  mean, cov = accumulator.moments.statistics()
  return Reference(mean, cov, np.concatenate(accumulator.features), accumulator.moments.count,
                   description)


def load_or_compute_reference(path, image_batches, classifier, total=None, description=""):
  """The `Reference` saved at `path`, or, when there is none, the one computed from
  `image_batches()` (a function returning an iterable of real image batches, called only
  then; `total`: its image count, for the progress line), saved at `path` first.

  Returns: (reference, whether it was computed now).
  """
  if files.exists(path):
    return Reference.load(path), False
  reference = compute_reference(image_batches(), classifier, total=total,
                                description=description)
  reference.save(path)
  logging.info("reference statistics of %d images (%s) -> %s", reference.num_samples,
               description, path)
  return reference, True


def module_batches(module, num_samples, truncation, batch_size=50, seed=0):
  """Yields image batches (numpy) of a generator module at `truncation` (`noise_batches`)."""
  generate = module_function(module, truncation)
  for z, y in noise_batches(num_samples, *module_sizes(module), truncation, batch_size, seed):
    yield generate(tf.constant(z), tf.constant(y)).numpy()


def generate_and_classify(generate, classifier):
  """A host function (z, y) -> (logits, features) numpy arrays that never gathers images:
  each of the classifier's local replicas generates its rows with `generate` (traceable,
  (z, y) -> images; its variables under the classifier's strategy) and classifies them in
  the same step, and only the activations come back to the host. Traced once per batch
  shape: keep it to reuse the trace."""
  return split_across_replicas(lambda z, y: classifier.classify(generate(z, y)),
                               classifier.strategy)


def evaluate_activations(activation_batches, reference, num_splits=10, max_features=10000,
                         pr_k=3):
  """IS, FID, KID, precision and recall of streamed (logits, features) batches of generated
  images against `reference`."""
  accumulator = _Accumulator(max_features)
  for logits, features in activation_batches:
    accumulator.add(logits, features)
  mean, cov = accumulator.moments.statistics()
  logits = np.concatenate(accumulator.logits)
  features = np.concatenate(accumulator.features)
  is_mean, is_std = inception_score(logits, num_splits, return_std=True)
  kid, kid_std = kernel_inception_distance(reference.features, features, return_std=True)
  precision, recall = precision_recall(reference.features, features, k=pr_k)
  return dict(num_samples=accumulator.moments.count, inception_score=is_mean,
              inception_score_std=is_std,
              fid=frechet_distance_from_statistics(mean, cov, reference.mean, reference.cov),
              kid=kid, kid_std=kid_std, precision=precision, recall=recall)


def evaluate_batches(batches, classifier, reference, num_splits=10, max_features=10000,
                     pr_k=3):
  """`evaluate_activations` of generated image batches [B, H, W, 3] in [-1, 1]."""
  return evaluate_activations(map(classifier, batches), reference, num_splits, max_features,
                              pr_k)


def evaluate_generated(fused, noise, num_samples, reference, num_splits=10, what="samples"):
  """`evaluate_activations` of the (z, y) batches of `noise` (`num_samples` in all) through
  `fused` (`generate_and_classify`), with a progress line named `what` every 30 s."""
  activations = track((fused(z, y) for z, y in noise),
                      Progress(what, num_samples, "samples", min_interval_s=30),
                      count=lambda batch: len(batch[0]))
  return evaluate_activations(activations, reference, num_splits)


def truncation_curve(module, classifier, reference, truncations, num_samples=10000,
                     batch_size=50, seed=0, num_splits=10):
  """[metrics dict with "truncation"] for each truncation (see `evaluate_activations`).

  Samples are generated and classified on the classifier's local replicas
  (`generate_and_classify`); with a strategy, load `module` under its scope.
  """
  results = []
  start = time.time()
  for index, truncation in enumerate(truncations):
    metrics = evaluate_generated(
        generate_and_classify(module_function(module, truncation), classifier),
        noise_batches(num_samples, *module_sizes(module), truncation, batch_size, seed),
        num_samples,
        reference, num_splits, what=f"truncation {truncation:g}: samples")
    results.append(dict(truncation=float(truncation), **metrics))
    elapsed = time.time() - start
    logging.info("truncation %g: IS %.3f FID %.3f KID %.4f P %.3f R %.3f (%d/%d, ETA %s)",
                 truncation, metrics["inception_score"], metrics["fid"], metrics["kid"],
                 metrics["precision"], metrics["recall"], index + 1, len(truncations),
                 format_duration(elapsed / (index + 1) * (len(truncations) - index - 1)))
  return results


def format_table(results):
  """The curve as a fixed-width text table."""
  lines = [f"{'truncation':>10s} {'IS':>8s} {'FID':>9s} {'KID':>8s} {'precision':>9s} "
           f"{'recall':>7s}"]
  for r in results:
    lines.append(f"{r['truncation']:10.2f} {r['inception_score']:8.3f} {r['fid']:9.3f} "
                 f"{r['kid']:8.4f} {r['precision']:9.3f} {r['recall']:7.3f}")
  return "\n".join(lines)


def save_truncation_curve(results, prefix, title="truncation curve"):
  """Writes <prefix>.json and <prefix>.png (FID against IS, each point labelled with its
  truncation, as the paper's Fig. 2 / Table 2 trade-off); returns both paths."""
  import matplotlib  # pylint: disable=import-outside-toplevel
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel
  files.write_atomically(prefix + ".json", json.dumps(results, indent=2) + "\n")
  figure, axes = plt.subplots(figsize=(5.5, 4.2), dpi=120)
  scores = [r["inception_score"] for r in results]
  fids = [r["fid"] for r in results]
  axes.plot(scores, fids, "o-", color="tab:blue")
  axes.margins(x=0.12, y=0.1)  # Room for the labels of the outermost points.
  for r in results:
    axes.annotate(f"t={r['truncation']:g}", (r["inception_score"], r["fid"]),
                  textcoords="offset points", xytext=(5, 5), fontsize=8)
  axes.set_xlabel("Inception Score (higher: fidelity)")
  axes.set_ylabel("FID (lower: closer to the data)")
  axes.set_title(title, fontsize=10)
  axes.grid(alpha=0.3)
  figure.tight_layout()
  buffer = io.BytesIO()
  figure.savefig(buffer, format="png")
  plt.close(figure)
  files.write_atomically(prefix + ".png", buffer.getvalue())
  return prefix + ".json", prefix + ".png"
