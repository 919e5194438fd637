"""Evaluation during training: IS, FID, KID and precision / recall of the EMA generator every
`eval_every` steps, logged to TensorBoard under eval/ (chief only).

The reference statistics of the training data (its first 10,000 images, in order) are
computed once with the chosen classifier and kept in model_dir/eval_reference.npz, so a
resumed run reuses them. Samples use truncation 1 (z ~ truncnorm(-2, 2)) and uniform classes,
with the same seed at every evaluation; the generator's BN uses its moving averages (standing
statistics are baked only after the last step). The samples are generated under the training
strategy, each replica its share of every batch (`distributed_generator`); the classifier runs
on the chief's default device.
"""

import os

from absl import logging
import numpy as np
import tensorflow as tf

from tfbiggan.data import evaluation_dataset
from tfbiggan.metrics.classifier import classifier_by_name
from tfbiggan.metrics.evaluate import Reference, compute_reference, evaluate_batches
from tfbiggan.sampling import truncated_noise

REFERENCE_FILE = "eval_reference.npz"


def distributed_generator(generator, strategy=None):
  """A function (z [B, dim_z], y [B, classes]) -> images [B, R, R, 3] (numpy) that runs
  `generator` at inference under `strategy`: each replica generates its rows of the batch,
  which is padded to a multiple of the replicas and trimmed after the gather."""
  replicas = strategy.num_replicas_in_sync if strategy else 1

  def replica_fn(z, y):
    rows = tf.shape(z)[0] // replicas
    start = tf.distribute.get_replica_context().replica_id_in_sync_group * rows
    return generator(z[start:start + rows], y[start:start + rows], training=False)

  @tf.function
  def generate(z, y):
    if replicas == 1:
      return generator(z, y, training=False)
    return strategy.gather(strategy.run(replica_fn, args=(z, y)), axis=0)

  def call(z, y):
    z, y = np.asarray(z, np.float32), np.asarray(y, np.float32)
    size = len(z)
    pad = -size % replicas
    if pad:
      z = np.concatenate([z, np.repeat(z[-1:], pad, 0)])
      y = np.concatenate([y, np.repeat(y[-1:], pad, 0)])
    return generate(tf.constant(z), tf.constant(y)).numpy()[:size]

  return call


class PeriodicEvaluation:
  """Measures a generator against the training data; see the module docstring.

  Args:
    model_dir: the run's folder (the reference is cached there).
    source: the training data source.
    classifier: a classifier name for `classifier_by_name` ("digits", "inception", a path).
    num_samples: generated samples per evaluation.
    batch_size: images per generator call.
    seed: noise seed.
    reference_images: at most this many real images for the reference.
    strategy: the training strategy the samples are generated under (None: default device).
  """

  def __init__(self, model_dir, source, classifier="inception", num_samples=10000,
               batch_size=50, seed=0, reference_images=10000, strategy=None):
    self.strategy = strategy
    self.classifier = classifier_by_name(classifier)
    self.num_samples, self.batch_size, self.seed = num_samples, batch_size, seed
    path = os.path.join(model_dir, REFERENCE_FILE)
    if os.path.exists(path):
      self.reference = Reference.load(path)
    else:
      dataset = evaluation_dataset(source, batch_size, reference_images)
      self.reference = compute_reference(
          (images.numpy() for images, _ in dataset), self.classifier,
          description=f"{source.name}/{source.split}, classifier {classifier}")
      self.reference.save(path)
      logging.info("evaluation reference: %d images of %s -> %s",
                   self.reference.num_samples, source.name, path)

  def _batches(self, generator):
    config = generator.config
    generate = distributed_generator(generator, self.strategy)
    for index, start in enumerate(range(0, self.num_samples, self.batch_size)):
      size = min(self.batch_size, self.num_samples - start)
      rng = np.random.default_rng([self.seed, index])
      z = truncated_noise(size, config.dim_z, 1.0, seed=rng)
      y = np.eye(config.num_classes, dtype=np.float32)[rng.integers(0, config.num_classes,
                                                                    size)]
      yield generate(z, y)

  def __call__(self, generator):
    """The metrics dict of `evaluate_batches` for `generator`."""
    return evaluate_batches(self._batches(generator), self.classifier, self.reference,
                            num_splits=min(10, max(1, self.num_samples // 100)))
