"""tf.distribute helpers below both training and metrics: which strategy, who is the chief,
and inference split across a strategy's replicas."""

from tfbiggan.distribute.replicas import split_across_replicas
from tfbiggan.distribute.strategy import is_chief, resolve_strategy

__all__ = ["is_chief", "resolve_strategy", "split_across_replicas"]
