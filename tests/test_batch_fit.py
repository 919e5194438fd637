"""Fitting the global batch by accumulation: which k are tried, the first that fits is kept,
and what does not fit anywhere says so. The real step it tries by default runs in the TPU
notebook's test (tests/test_notebooks.py), which prints what it chose."""

import pytest
import tensorflow as tf

import tfbiggan
from conftest import mirrored_cpu_strategy
from tfbiggan.training import batch_fit
from tfbiggan.training.batch_fit import accumulation_candidates, fit_accumulations
from train_utils import TINY


def test_candidates_double_through_the_divisors_of_the_per_replica_batch():
  assert accumulation_candidates(2048, 8) == [1, 2, 4, 8, 16, 32, 64, 128, 256]
  assert accumulation_candidates(48, 2) == [1, 2, 4, 8, 24]  # 24 per replica
  assert accumulation_candidates(6, 1) == [1, 2, 6]
  assert accumulation_candidates(8, 8) == [1]
  with pytest.raises(ValueError, match="cannot be split evenly over 4 replicas"):
    accumulation_candidates(10, 4)


def _oom_above(max_micro_batch, tried):
  """A step that records its config and runs out of memory above `max_micro_batch` images
  per replica, as an XLA compile that does not fit does."""
  def try_step(config, strategy, precision, xla):
    del precision, xla
    tried.append(config.d_accumulations)
    assert config.g_accumulations == config.d_accumulations
    if config.batch_size // strategy.num_replicas_in_sync // config.d_accumulations > \
        max_micro_batch:
      raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")
  return try_step


def test_the_first_accumulation_whose_step_fits_is_kept():
  config = tfbiggan.get_config("digits-32", **{**TINY, "batch_size": 64})
  tried = []
  fitted = fit_accumulations(config, mirrored_cpu_strategy(2), try_step=_oom_above(4, tried))
  # 32 per replica: 32, 16 and 8 images run out of memory, 4 fit.
  assert tried == [1, 2, 4, 8]
  assert (fitted.d_accumulations, fitted.g_accumulations) == (8, 8)
  assert fitted.batch_size == 64 and fitted.replace(d_accumulations=1,
                                                    g_accumulations=1) == config


def test_nothing_fits_is_a_clear_error_and_other_errors_are_not_taken_for_memory():
  config = tfbiggan.get_config("digits-32", **{**TINY, "batch_size": 8})
  tried = []
  with pytest.raises(ValueError, match="not even a micro-batch of one image fits .* 2 "
                                       "replica.* --precision=bfloat16"):
    fit_accumulations(config, mirrored_cpu_strategy(2), try_step=_oom_above(0, tried))
  assert tried == [1, 2, 4]

  def broken(config, strategy, precision, xla):
    raise tf.errors.InvalidArgumentError(None, None, "a bug, not memory")
  with pytest.raises(tf.errors.InvalidArgumentError, match="a bug, not memory"):
    fit_accumulations(config, mirrored_cpu_strategy(2), try_step=broken)



def test_what_the_config_rules_out_is_named_when_nothing_else_fits():
  # LeCam's anchors need the whole batch at once (d_accumulations = 1).
  config = tfbiggan.get_config("digits-32", **{**TINY, "batch_size": 8, "lecam_weight": 0.3})
  tried = []
  with pytest.raises(ValueError, match="rules out k = 2, 4, 8: lecam_weight needs "
                                       "d_accumulations=1"):
    fit_accumulations(config, mirrored_cpu_strategy(1), try_step=_oom_above(4, tried))
  assert tried == [1]


def test_the_step_tried_updates_g_even_where_the_run_starts_with_a_d_warmup(monkeypatch):
  """A fresh-D fine-tune starts with D alone; the step tried must hold G's update too."""
  built = []

  class _Trainer:  # Records what a real Trainer would be built with, and runs nothing.
    def __init__(self, config, strategy, seed, precision, xla):
      built.append((config, precision, xla))

    def train(self, iterator, num_steps):
      del iterator
      return {}, -1 if num_steps == 1 else 0

  monkeypatch.setattr(batch_fit, "Trainer", _Trainer)
  config = tfbiggan.get_config("digits-32", **{**TINY, "d_warmup_steps": 100})
  batch_fit.try_training_step(config, mirrored_cpu_strategy(1), "bfloat16", True)
  assert built == [(config.replace(d_warmup_steps=0), "bfloat16", True)]


def test_several_workers_are_refused_before_any_step():
  # Each worker would try on its own and could settle on another k: they must agree.
  workers = object.__new__(tf.distribute.MultiWorkerMirroredStrategy)
  config = tfbiggan.get_config("digits-32", **TINY)
  with pytest.raises(ValueError, match="one host; with several workers pass "
                                       "--d_accumulations and --g_accumulations"):
    fit_accumulations(config, workers, try_step=lambda *args: pytest.fail("a step was tried"))
