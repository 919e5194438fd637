"""The best checkpoints of a run, kept apart from the rolling ones (paper §4: every large
BigGAN run eventually collapses, and its best FID comes some time before; the published
results come from early stopping).

After each periodic evaluation the loop saves a training checkpoint and offers it here with
the evaluation's metrics. The `keep` best by one metric are copied into the run's `best/`
folder (`RunDir.best_checkpoint_prefix`), whatever the rolling `--keep_checkpoints` later
deletes, and `best/best.json` records them, best first: step, the metric's value and every
metric. The record is written atomically after the copy, so an interrupted copy is never
listed; a resumed run reads it back and goes on comparing against it.
"""

from absl import logging

from tfbiggan import files

# The metrics a run can keep its best by, and whether lower is better.
LOWER_IS_BETTER = {"fid": True, "kid": True, "inception_score": False}


def check_metric(metric):
  """Raises ValueError unless `metric` is one of LOWER_IS_BETTER's."""
  if metric not in LOWER_IS_BETTER:
    raise ValueError(f"best_metric must be one of {', '.join(LOWER_IS_BETTER)}, got "
                     f"{metric!r}")


class BestCheckpoints:
  """Keeps the `keep` best checkpoints of `run` by `metric` (see the module docstring).

  Args:
    run: the run's `RunDir`.
    keep: how many to keep (>= 1).
    metric: a key of LOWER_IS_BETTER.

  Raises:
    ValueError: an unknown metric, or a run whose record was kept by another metric (its
      best list would mean something else).
  """

  def __init__(self, run, keep=1, metric="fid"):
    check_metric(metric)
    self.run, self.keep, self.metric = run, keep, metric
    record = run.read_best()
    if record is not None and record["metric"] != metric:
      raise ValueError(f"{run.path} keeps its best checkpoints by {record['metric']}; resume "
                       f"with --best_metric={record['metric']}, not {metric}")
    self.entries = record["checkpoints"] if record else []

  def _better(self, a, b):
    return a < b if LOWER_IS_BETTER[self.metric] else a > b

  def offer(self, step, metrics, checkpoint_prefix):
    """Keeps the checkpoint at `checkpoint_prefix` (of `step`, measured as `metrics`) when it
    is among the `keep` best so far.

    Returns: True when it was kept.
    """
    value = float(metrics[self.metric])
    entries = [e for e in self.entries if e["step"] != step]  # A rerun of the same step.
    rank = sum(1 for e in entries if not self._better(value, e["value"]))
    if rank >= self.keep:
      return False
    prefix = self.run.best_checkpoint_prefix(step)
    files.makedirs(self.run.best_folder)
    for source in files.gfile.glob(checkpoint_prefix + ".*"):
      files.copy(source, prefix + source[len(checkpoint_prefix):])
    entry = {"step": int(step), "value": value,
             "metrics": {k: float(v) for k, v in metrics.items()},
             "prefix": files.join("best", files.basename(prefix))}
    entries.insert(rank, entry)
    dropped, self.entries = entries[self.keep:], entries[:self.keep]
    files.write_json(self.run.best_record_path,
                     {"metric": self.metric, "lower_is_better": LOWER_IS_BETTER[self.metric],
                      "checkpoints": self.entries})
    for old in dropped:  # After the record stops listing them.
      for path in files.gfile.glob(self.run.file(old["prefix"]) + ".*"):
        files.gfile.remove(path)
    logging.info("step %d: %s %.4g is %s best; kept in %s (best: %s)", step, self.metric,
                 value, "the" if rank == 0 else f"number {rank + 1} of the {self.keep}",
                 self.run.best_folder,
                 ", ".join(f"step {e['step']} {e['value']:.4g}" for e in self.entries))
    return True
