"""The recipe a fine-tune starts with when its D is fresh: what protects a pretrained G.

DeepMind released no discriminator, so fine-tuning an official generator starts with a
random D, whose first gradients push G off its pretrained weights. `FRESH_D_RECIPE` holds the
values measured to prevent that (`benchmarks/fresh_d.py`; docs/benchmarks.md, "Fine-tuning
with a fresh D"):

- a D warm-up (`d_warmup_steps`): D trains alone against the pretrained G before G's first
  update;
- a G learning-rate warm-up (`g_lr_warmup_steps`): G's steps grow from 0 to g_lr;
- the EMA starting from the source weights (`ema_start_step` 0): the generator that is
  sampled and exported averages the fine-tune from its first step instead of copying it.
  Of the three, this one keeps most; the warm-ups keep the EMA's FID from creeping up. None
  of them stops the trained G itself from drifting at a high learning rate (a lower g_lr
  does).

A class the source lacks (its embedding row starts from the mean of the source's) changes two
of them, as measured on the transfer benchmark (`benchmarks/transfer.py`; docs/benchmarks.md,
"Fine-tuning against scratch"):
- the EMA from the source is only for a run whose classes are all source classes: a new
  class is drawn by an average that is still mostly the source's weights long after G has
  learnt it, which drew the old classes instead of the new. The config's own
  `ema_start_step` stays;
- G has to learn rather than keep, and does so at its learning rate: `g_lr` is
  `NEW_CLASS_G_LR_FACTOR` times the config's.

`train(..., fresh_d_keep=...)` applies them to a fresh fine-tune without
--init_discriminator, once the data's classes are known; `tfbiggan-train` passes the fields
whose flags are on the command line as `fresh_d_keep`.
"""

# Measured by benchmarks/fresh_d.py (docs/benchmarks.md).
FRESH_D_RECIPE = {"d_warmup_steps": 100, "g_lr_warmup_steps": 100, "ema_start_step": 0}
# G's learning rate with classes new to the source, times the config's (benchmarks/transfer.py).
NEW_CLASS_G_LR_FACTOR = 4
# The config fields the recipe may set: a user's value of any of them is kept.
RECIPE_FIELDS = (*FRESH_D_RECIPE, "g_lr")


def with_fresh_d_recipe(config, keep=(), new_classes=False):
  """(`config` with `FRESH_D_RECIPE`'s values, {field: value} of those applied).

  Args:
    config: the fine-tune's `BigGANConfig`.
    keep: fields set by the user: they keep the config's value.
    new_classes: whether a run class starts from no source class (see the module docstring):
      then `ema_start_step` keeps the config's value and `g_lr` is
      `NEW_CLASS_G_LR_FACTOR` times it.
  """
  recipe = dict(FRESH_D_RECIPE)
  if new_classes:
    del recipe["ema_start_step"]
    recipe["g_lr"] = config.g_lr * NEW_CLASS_G_LR_FACTOR
  applied = {k: v for k, v in recipe.items() if k not in keep}
  return config.replace(**applied), applied


def as_flags(applied):
  """'--d_warmup_steps=100, --ema_start_step=0' of {field: value} (`with_fresh_d_recipe`)."""
  return ", ".join(f"--{name}={value}" for name, value in applied.items())


def describe(config):
  """The fine-tuning protections of `config` in words, for the log line of a fine-tune."""
  def steps(count):
    return f"{count} step{'' if count == 1 else 's'}"

  parts = []
  if config.d_warmup_steps:
    parts.append(f"D warm-up {steps(config.d_warmup_steps)}")
  if config.g_lr_warmup_steps:
    parts.append(f"G learning-rate warm-up {steps(config.g_lr_warmup_steps)}")
  parts.append("EMA from the source weights" if config.ema_start_step == 0 else
               f"EMA copying G until step {config.ema_start_step}")
  return ", ".join(parts)
