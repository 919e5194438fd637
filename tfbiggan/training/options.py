"""`TrainOptions`: how a training run runs (what it trains is the `BigGANConfig`).

Each field carries its help text and lower bound in its metadata: `validate` checks the
bounds, and `tfbiggan-train` defines one flag per field from them, so the two never drift.
This module imports nothing heavy, so that `tfbiggan-train --help` answers at once.
"""

import dataclasses
from typing import Optional

from tfbiggan.training.precision import POLICIES

# What --on_collapse may be (tfbiggan.training.collapse_watch acts on them).
COLLAPSE_ACTIONS = ("warn", "stop", "off")
# What --precision may be: a precision with a Keras policy ("auto" is for sampling only).
TRAINING_PRECISIONS = tuple(POLICIES)


def option(default, help, lower_bound=None, choices=None):  # pylint: disable=redefined-builtin
  """A dataclass field with its flag's help text, and the smallest value or the values it
  accepts."""
  return dataclasses.field(default=default, metadata={"help": help, "lower_bound": lower_bound,
                                                      "choices": choices})


@dataclasses.dataclass
class TrainOptions:
  """How to run a training (see each field's `help` in `dataclasses.fields(TrainOptions)`).

  model_dir is the run's folder (local or `gs://...`; created, and resumed from when it holds
  checkpoints); steps is the total number of steps to reach.
  """
  model_dir: str = option(None, "The run's folder, local or on a bucket (gs://...): "
                          "checkpoints, summaries, samples. A rerun resumes from it.")
  steps: int = option(None, "Total training steps to reach (a rerun continues).", 0)
  steps_per_loop: int = option(100, "Steps per tf.function call (one host round trip per "
                               "loop).", 1)
  checkpoint_every: int = option(1000, "Steps between checkpoints (the last step is always "
                                 "saved).", 1)
  keep_checkpoints: int = option(5, "Rolling checkpoints kept (the newest ones).", 1)
  keep_best: int = option(1, "With --eval_every: the best checkpoints kept apart, in the "
                          "run's best/ (tfbiggan-export --checkpoint=best); 0: none.", 0)
  best_metric: str = option("fid", "The evaluation metric that ranks the best checkpoints: "
                            "fid, kid (lower is better) or inception_score.")
  summary_every: int = option(1000, "Steps between sample grids and singular-value summaries "
                              "(losses are written every loop).", 1)
  seed: int = option(0, "Seed of weights, noise and data order (a resumed run keeps the seed "
                     "it started with).")
  precision: str = option("float32", "Compute dtype: float32; bfloat16 (TPUs, A100 / H100, "
                          "CPUs with AMX or AVX512-BF16); float16 with dynamic loss scaling "
                          "(T4, V100). Weights, BN statistics, SN, losses and the optimizers "
                          "stay float32.", choices=TRAINING_PRECISIONS)
  mixed_precision: bool = option(False, "The same as --precision=bfloat16.")
  xla: bool = option(False, "Compile the per-replica step with XLA.")
  fit_accumulations: bool = option(False, "Before training, find the fewest gradient "
                                   "accumulations whose step fits the devices at the "
                                   "config's batch_size, by trying a step at k = 1, 2, 4, "
                                   "...; sets d_accumulations and g_accumulations to it. One "
                                   "host only (a TPU VM, one machine's GPUs).")
  data_dir: Optional[str] = option(None, "tensorflow-datasets data_dir (local or gs://).")
  manual_dir: Optional[str] = option(None, "tensorflow-datasets manual_dir (ImageNet's "
                                     "tars).")
  download: bool = option(False, "Let tensorflow-datasets download and prepare the data.")
  split: str = option("train", "Data split to train on.")
  shuffle_buffer: int = option(10000, "Shuffle buffer of streamed (tfds) data sets.", 1)
  standing_stats_batches: int = option(16, "Batches of standing statistics baked into the "
                                       "EMA generator after the last step, per truncation "
                                       "value (0: none).", 0)
  tpu: Optional[str] = option(None, "TPU name or address ('local' on a TPU VM, '' on "
                              "Colab); without it the strategy follows the machine.")
  eval_every: int = option(0, "Steps between evaluations of the EMA generator (IS, FID, KID, "
                           "precision / recall, TensorBoard eval/*); 0: none.", 0)
  eval_samples: int = option(10000, "Generated samples per evaluation.", 20)
  held_out_images: int = option(500, "With --eval_every: real images of the training split "
                                "and of a held-out one (test, validation or val) on which D's "
                                "mean output and accuracy are logged at each evaluation "
                                "(d_held_out/*; paper §4.2, D memorising); 0: none.", 0)
  init_generator: Optional[str] = option(
      None, "Fine-tune: start G and its EMA from this module (a short name such as "
      "biggan-deep-128, a URL, an official module's folder or .tar.gz, tfbiggan-export / "
      "-convert output) or run folder. Leave --config out to take "
      "its config. Ignored when the run resumes from its own checkpoint.")
  init_discriminator: Optional[str] = option(
      None, "Fine-tune: start D from this run folder's newest checkpoint, or a module "
      "exported --with_discriminator (default: a fresh D).")
  class_init: Optional[str] = option(
      None, "Fine-tune: source class of each new class's embedding, e.g. "
      "'cat=tabby,dog=golden retriever' (names or indices). Unnamed classes take the source "
      "class of the same name, else the mean embedding.")
  classes: Optional[str] = option(
      None, "Train on only these classes of the data set (comma-separated names or "
      "indices; digits and folder data sets).")
  examples_per_class: int = option(0, "Use only the first N examples of each class (few-shot "
                                   "experiments; 0: all).", 0)
  eval_classifier: str = option("inception", "Classifier of the evaluations: 'inception' "
                                "(TF-GAN's, from TF-Hub), 'digits', or a SavedModel path.")
  on_collapse: str = option("warn", "The collapse watch (paper §4): warn (log it and write "
                            "collapse/* to TensorBoard), stop (also save and end the run, "
                            "naming the best checkpoint to export) or off.",
                            choices=COLLAPSE_ACTIONS)
  collapse_sigma_jump: float = option(2.0, "A G or D weight's top singular value this many "
                                      "times the median of its recent readings is a collapse "
                                      "sign (> 1).", 1.0)
  collapse_d_loss_floor: float = option(0.05, "D's hinge loss below this on average over "
                                        "recent loops is a collapse sign (0: not watched).",
                                        0.0)
  collapse_fid_rise: float = option(1.25, "With --eval_every: FID rising for two evaluations "
                                    "to this many times its best is a collapse sign (> 1).",
                                    1.0)

  @property
  def compute_precision(self):
    """The precision to train in: "bfloat16" with mixed_precision, else `precision`."""
    return "bfloat16" if self.mixed_precision else self.precision

  @property
  def class_list(self):
    """`classes` as a list of names or indices, or None."""
    if not self.classes:
      return None
    return [c.strip() for c in self.classes.split(",") if c.strip()]

  def validate(self):
    """Raises ValueError naming the first field that is missing or below its bound."""
    for name in ("model_dir", "steps"):
      if getattr(self, name) is None:
        raise ValueError(f"{name} is required")
    for field in dataclasses.fields(self):
      bound = field.metadata.get("lower_bound")
      value = getattr(self, field.name)
      if bound is not None and value < bound:
        raise ValueError(f"{field.name} must be >= {bound}, got {value}")
    for name in ("collapse_sigma_jump", "collapse_fid_rise"):
      if getattr(self, name) <= 1.0:
        raise ValueError(f"{name} must be > 1 (a rise against the recent or best value), got "
                         f"{getattr(self, name)}")
    for name, allowed in (("on_collapse", COLLAPSE_ACTIONS),
                          ("precision", TRAINING_PRECISIONS)):
      if getattr(self, name) not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got "
                         f"{getattr(self, name)!r}")
    if self.mixed_precision and self.precision not in ("float32", "bfloat16"):
      raise ValueError(f"mixed_precision means precision=bfloat16, but precision is "
                       f"{self.precision!r}: pass only --precision")
    for name in ("init_discriminator", "class_init"):
      if getattr(self, name) and not self.init_generator:
        raise ValueError(f"{name} fine-tunes a run started with init_generator; pass "
                         "--init_generator too")
