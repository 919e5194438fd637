"""Evaluation during training: IS, FID, KID and precision / recall of the EMA generator every
`eval_every` steps, logged to TensorBoard under eval/ (chief only).

The reference statistics of the training data (its first 10,000 images, in order) are
computed once with the chosen classifier and kept in the run's eval_reference.npz, so a
resumed run reuses them. Samples use truncation 1 (z ~ truncnorm(-2, 2)) and uniform classes,
with the same seed at every evaluation; the generator's BN uses its moving averages (standing
statistics are baked only after the last step). The classifier is copied under the training
strategy; each of the chief's replicas generates and classifies its rows of every batch
(`generate_and_classify`), and so do they for the reference images. No collective op is
issued, so under MultiWorkerMirroredStrategy the chief evaluates alone while the other
workers wait at the next step's all-reduce.
"""

from tfbiggan.data import evaluation_dataset
from tfbiggan.metrics.classifier import classifier_by_name
from tfbiggan.metrics.evaluate import (evaluate_generated, generate_and_classify,
                                       load_or_compute_reference)
from tfbiggan.sampling import noise_batches


class PeriodicEvaluation:
  """Measures a generator against the training data; see the module docstring.

  Args:
    reference_path: where the reference statistics are cached (`RunDir.eval_reference_path`).
    source: the training data source.
    classifier: a classifier name for `classifier_by_name` ("digits", "inception", a path).
    num_samples: generated samples per evaluation.
    batch_size: images per generator call.
    seed: noise seed.
    reference_images: at most this many real images for the reference.
    strategy: the training strategy; the generator's variables live under its scope
      (None: the default device).
  """

  def __init__(self, reference_path, source, classifier="inception", num_samples=10000,
               batch_size=50, seed=0, reference_images=10000, strategy=None):
    self.classifier = classifier_by_name(classifier, strategy)
    self._generator = self._fused = None
    self.num_samples, self.batch_size, self.seed = num_samples, batch_size, seed
    self.reference, _ = load_or_compute_reference(
        reference_path,
        lambda: (images.numpy()
                 for images, _ in evaluation_dataset(source, batch_size, reference_images)),
        self.classifier, total=min(source.num_examples, reference_images),
        description=f"{source.name}/{source.split}, classifier {classifier}")

  def __call__(self, generator):
    """The metrics dict of `evaluate_generated` for `generator` (truncation 1)."""
    config = generator.config
    noise = noise_batches(self.num_samples, config.dim_z, config.num_classes, 1.0,
                          self.batch_size, self.seed)
    if self._generator is not generator:  # One trace for all evaluations of this generator.
      self._generator = generator
      self._fused = generate_and_classify(lambda z, y: generator(z, y, training=False),
                                          self.classifier)
    return evaluate_generated(self._fused, noise, self.num_samples, self.reference,
                              num_splits=min(10, max(1, self.num_samples // 100)),
                              what="evaluation: samples")
