"""Sample-quality metrics on arrays of features or images (no model code imported here)."""

from tfbiggan.metrics.frechet import feature_statistics, frechet_distance

__all__ = ["feature_statistics", "frechet_distance"]
