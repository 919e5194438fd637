"""Sample-quality metrics: the formulas, the classifiers they are computed on, and the
evaluation of a generator module.

The formulas (IS, FID, KID, precision / recall; exported here) work on arrays of logits or
features and import no model code. TF-GAN's formulas are implemented here because
tensorflow-gan 2.1.0 (its last release) fails at import on TensorFlow >= 2.16 (it imports the
removed `tf.estimator`). `classifier.py` (TF-GAN's Inception network, or a SavedModel of
your own), `digits_classifier.py` (the digits demo's judge) and `evaluate.py` (reference
statistics and the truncation curve) run networks.
"""

from tfbiggan.metrics.activations import StreamingMoments
from tfbiggan.metrics.frechet import feature_statistics
from tfbiggan.metrics.frechet import frechet_distance
from tfbiggan.metrics.frechet import frechet_distance_from_statistics
from tfbiggan.metrics.inception_score import inception_score
from tfbiggan.metrics.kernel_distance import kernel_inception_distance
from tfbiggan.metrics.precision_recall import precision_recall

__all__ = ["StreamingMoments", "feature_statistics", "frechet_distance",
           "frechet_distance_from_statistics", "inception_score", "kernel_inception_distance",
           "precision_recall"]
