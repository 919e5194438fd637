"""The Inception Score (Salimans et al. 2016) of classifier logits, TF-GAN's formula.

TF-GAN `classifier_score_from_logits`: with p(y|x) = softmax(logits) and the marginal
p(y) = mean over samples of p(y|x),
    IS = exp( mean over samples of KL(p(y|x) || p(y)) ).
As in the paper and the original code, the samples are cut into `num_splits` equal parts,
the score is computed on each and their mean (and standard deviation) reported.
"""

import numpy as np

from tfbiggan.metrics.activations import check_activations


def _score(logits):
  log_p = logits - logits.max(axis=1, keepdims=True)
  log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
  p = np.exp(log_p)
  log_marginal = np.log(p.mean(axis=0))
  return float(np.exp(np.mean(np.sum(p * (log_p - log_marginal), axis=1))))


def inception_score(logits, num_splits=10, return_std=False):
  """IS of logits [N, classes] (numpy or tensor): the mean over `num_splits` splits.

  Returns: a float, or (mean, std) with return_std.

  Raises:
    ValueError: not [N, K], NaN / Inf, or fewer samples than splits.
  """
  logits = check_activations(logits, "logits", min_samples=max(num_splits, 1))
  if num_splits < 1:
    raise ValueError(f"num_splits must be >= 1, got {num_splits}")
  scores = [_score(part) for part in np.array_split(logits, num_splits)]
  return (float(np.mean(scores)), float(np.std(scores))) if return_std else float(np.mean(scores))
