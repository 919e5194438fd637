"""Fine-tuning: a run whose G, EMA G (and D) start from trained weights.

`--init_generator` names a module written by tfbiggan-export or tfbiggan-convert, an official
DeepMind module folder (converted in memory), or a tfbiggan-train run folder (its EMA
generator); `--init_discriminator` a run folder or a module exported with
`--with_discriminator` (no official discriminator was released, so without it D starts
fresh). Everything but the class embeddings is copied as it is; the run
must have the source's architecture (`ARCHITECTURE_FIELDS`), while the recipe, the data and
the classes may differ.

Classes. The run's classes are its data set's. Each one's row of G's shared embedding
(`linear/w`, [classes, shared_dim]) and of D's class projection (`embedding/w`) is copied
from a source class: the one named for it in `class_init` ("cat=tabby,dog=207"), else the
source class of the same name (ImageNet's WordNet aliases count), else the mean of all source
rows (a neutral start for a class the source never saw).

Only a fresh run is initialised: a run that has a checkpoint resumes from it.
"""

import dataclasses
import re
from typing import List

import numpy as np

from tfbiggan import files
from tfbiggan.class_names import AmbiguousClassError, default_class_names, lookup_class
from tfbiggan.configs.config import BigGANConfig
from tfbiggan.modules.resolver import is_url
from tfbiggan.run_dir import CONFIG_FILE, RunDir

# Fields that shape the networks' weights (and their numerics): a source must match them.
ARCHITECTURE_FIELDS = ("architecture", "resolution", "dim_z", "shared_dim", "g_ch", "d_ch",
                       "g_channel_multipliers", "d_channel_multipliers", "g_attention_block",
                       "d_attention_block", "hierarchical_z", "g_rgb_channels",
                       "num_singular_vectors", "bn_epsilon", "sn_epsilon")
# The class-embedding weights whose rows follow the classes.
G_EMBEDDING = "Generator/linear/w"
D_EMBEDDING = "Discriminator/embedding/w"
# Per-truncation BN tables: sized by the truncation grid, re-baked after the last step.
_TRUNCATION_TABLES = ("truncation_means", "truncation_vars")
MEAN = None  # A class row started from the mean of the source's rows.


@dataclasses.dataclass
class TrainedModel:
  """A trained G or D to start from, with what it was trained on.

  Attributes:
    source: where it was read (path or handle).
    model: a `Generator` or `Discriminator`.
    class_names: the source's class names [model.config.num_classes].
  """
  source: str
  model: object
  class_names: List[str]

  @property
  def config(self) -> BigGANConfig:
    return self.model.config


def is_run_folder(path):
  """Whether `path` is a tfbiggan-train run (holds config.json)."""
  return not is_url(path) and files.exists(files.join(str(path), CONFIG_FILE))


def _trained_model(source, from_run, from_module):
  """A `TrainedModel` of `from_run(RunDir)` for a run folder, else of `from_module(path)`
  (which returns the model and its class names)."""
  source = str(source)
  if is_run_folder(source):
    run = RunDir(source)
    model = from_run(run)
    names = run.read_class_names() or default_class_names(model.config.num_classes)
  else:
    model, names = from_module(source)
  return TrainedModel(source, model, list(names))


def load_initial_generator(source):
  """The generator to fine-tune: a run's EMA generator, or a module's (see module docstring).

  Raises:
    FileNotFoundError: nothing at `source`, or a run without a checkpoint.
    ValueError: `source` holds neither a run nor a module.
  """
  # pylint: disable=import-outside-toplevel
  from tfbiggan.modules.pretrained import load_pretrained_with_class_names
  return _trained_model(source, RunDir.load_ema_generator, load_pretrained_with_class_names)


def load_initial_discriminator(source):
  """The discriminator of a run's newest checkpoint, or of a module exported with one.

  Raises:
    ValueError: `source` is an official module or a module without a discriminator.
    FileNotFoundError: nothing at `source`, or a run without a checkpoint.
  """
  from tfbiggan.modules.pretrained import load_pretrained_discriminator  # pylint: disable=import-outside-toplevel
  return _trained_model(source, RunDir.load_discriminator, load_pretrained_discriminator)


def check_architecture(source, config):
  """Raises ValueError naming every architecture field where `config` differs from the
  `TrainedModel` `source` (resolution and dim_z first, with both values)."""
  old, new = source.config, config
  different = [f for f in ARCHITECTURE_FIELDS if getattr(old, f) != getattr(new, f)]
  if not different:
    return
  described = "; ".join(f"{f}: {getattr(old, f)} in the source, {getattr(new, f)} in the run"
                        for f in different)
  raise ValueError(f"{source.source} ({old.name}) cannot start this run ({new.name}): "
                   f"{described}. Fine-tune with the source's architecture (leave --config "
                   "out to take the source's config, then override only the recipe).")


def parse_class_init(text):
  """{run class name: source class (name or index)} from "cat=tabby, tabby cat,dog=207".

  Pairs are separated by commas; a piece without "=" continues the previous source name, so
  ImageNet names with commas ("tabby, tabby cat") need no quoting.
  """
  pairs = {}
  last = None
  for piece in (text or "").split(","):
    if "=" in piece:
      target, query = piece.split("=", 1)
      last = target.strip()
      if not last or not query.strip():
        raise ValueError(f"--class_init: {piece.strip()!r} needs the form run_class=source_class")
      if last in pairs:
        raise ValueError(f"--class_init names {last!r} twice")
      pairs[last] = query.strip()
    elif piece.strip():
      if last is None:
        raise ValueError(f"--class_init: {piece.strip()!r} needs the form "
                         "run_class=source_class")
      pairs[last] += "," + piece
  return pairs


def _same_name(name, source_names):
  """The source class called `name`, or None (numbers match names only, never indices)."""
  if re.fullmatch(r"\s*\d+\s*", name):
    matches = [i for i, source_name in enumerate(source_names)
               if source_name.strip() == name.strip()]
    return matches[0] if len(matches) == 1 else None
  try:
    return lookup_class(name, source_names)
  except AmbiguousClassError as error:
    raise ValueError(f"run class {name!r}: {error}; choose one with --class_init") from None
  except ValueError:  # No source class of that name: a new class.
    return None


def class_rows(class_names, source_names, class_init=None):
  """For each run class, the source class whose embedding row it starts from, or MEAN.

  Args:
    class_names: the run's classes (its data set's).
    source_names: the source's classes.
    class_init: {run class: source class name or index} (see `parse_class_init`).

  Raises:
    ValueError: class_init names a class the run lacks, or a source class that does not
      exist (with the closest names).
  """
  class_init = dict(class_init or {})
  unknown = sorted(set(class_init) - set(class_names))
  if unknown:
    raise ValueError(f"--class_init names {unknown}, which the data set does not have; its "
                     f"classes are {list(class_names)[:20]}")
  rows = []
  for name in class_names:
    if name in class_init:
      try:
        rows.append(lookup_class(class_init[name], source_names))
      except ValueError as error:
        raise ValueError(f"--class_init {name}={class_init[name]}: {error}") from None
    else:
      rows.append(_same_name(name, source_names))
  return rows


def _embedding_rows(values, rows):
  mean = values.mean(axis=0)
  return np.stack([mean if row is MEAN else values[row] for row in rows])


def copy_weights(source_model, target_model, rows, embedding_path):
  """Assigns `source_model`'s weights to `target_model`'s, matched by path.

  The class embedding `embedding_path` gets the rows `rows` (see `class_rows`); per-truncation
  BN tables of another grid are left alone (they are re-baked after training).

  Raises:
    ValueError: a weight missing in the source, or of another shape (named).
  """
  source = {w.path: w for w in source_model.weights}
  for weight in target_model.weights:
    if weight.path not in source:
      raise ValueError(f"the source has no weight {weight.path}")
    value = source[weight.path].numpy()
    if weight.path == embedding_path:
      value = _embedding_rows(value, rows)
    elif tuple(value.shape) != tuple(weight.shape):
      if weight.name in _TRUNCATION_TABLES:
        continue
      raise ValueError(f"{weight.path} has shape {list(value.shape)} in the source but "
                       f"{list(weight.shape)} in the run")
    weight.assign(value)


def describe_rows(class_names, source_names, rows, limit=10):
  """'cat <- tabby, dog <- mean' for a log line."""
  parts = [f"{name} <- {'mean of the source classes' if row is MEAN else source_names[row]}"
           for name, row in zip(class_names, rows)]
  more = f", ... ({len(parts) - limit} more)" if len(parts) > limit else ""
  return ", ".join(parts[:limit]) + more


def initialize_trainer(trainer, class_names, generator, discriminator=None,
                       class_init=None):
  """Starts `trainer`'s G, EMA G, source G (with CDC) and (given one) D from trained models.

  Args:
    trainer: a fresh `Trainer` (before its first step).
    class_names: the run's classes.
    generator, discriminator: `TrainedModel`s (discriminator may be None: D stays fresh).
    class_init: {run class: source class} (see `class_rows`).

  Returns: {"generator": rows, "discriminator": rows or None}, each a list with the source
    class index (or MEAN) of every run class.

  Raises:
    ValueError: an architecture or a class mapping that does not fit (named).
  """
  check_architecture(generator, trainer.config)
  g_rows = class_rows(class_names, generator.class_names, class_init)
  for model in (trainer.generator, trainer.ema.ema_generator, trainer.source_generator):
    if model is not None:
      copy_weights(generator.model, model, g_rows, G_EMBEDDING)
  d_rows = None
  if discriminator is not None:
    check_architecture(discriminator, trainer.config)
    d_rows = class_rows(class_names, discriminator.class_names, class_init)
    copy_weights(discriminator.model, trainer.discriminator, d_rows, D_EMBEDDING)
  return {"generator": g_rows, "discriminator": d_rows}
