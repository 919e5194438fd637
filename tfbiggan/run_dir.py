"""`RunDir`: the layout of a training run's folder, in one place.

Training writes a run, export and evaluation read it; all of them ask this module for paths
and never spell a file name themselves. The folder may be on any TensorFlow file system
(`gs://bucket/runs/x` on a TPU VM): every access goes through `tfbiggan.files`.

  config.json, options.json    the resolved config and run options (written atomically)
  class_names.txt              the data set's class names, one a line
  ckpt-<step>.*, checkpoint    training checkpoints (`tfbiggan.training.checkpoints`)
  train/                       TensorBoard summaries
  samples/step_<step>.png      the EMA generator on fixed z, one row per class
  eval_reference.npz           reference statistics of the periodic evaluation
  collapse_watch.json          the collapse watch's readings at the newest checkpoint
                               (`tfbiggan.training.collapse_watch`)
  generator/ema_generator.*    after the last step: the EMA generator with standing
                               statistics baked in (what export reads first)
  best/ckpt-<step>.*           copies of the best checkpoints by the periodic evaluation's
  best/best.json               metric, and their record: step, metric, metrics, best first
                               (`tfbiggan.training.best_checkpoints`)
  .worker_<k>/                 scratch checkpoints of non-chief workers (deleted at once)

Checkpoints map Keras variable paths ("Generator/GBlock/conv0/w") to variables: the Keras 3
models keep their blocks in lists, which `tf.train.Checkpoint`'s object graph does not
follow, so checkpointing the models as objects would silently drop every block's
spectral-norm vectors and BN statistics. A training checkpoint holds the groups `generator`,
`discriminator`, `ema_generator`, `g_optimizer`, `d_optimizer`, `step` and `seed`; the views
below read or write single groups of it.
"""

import tensorflow as tf

from tfbiggan import files
from tfbiggan.configs.config import BigGANConfig
from tfbiggan.layers.initializers import ASSIGNED_AFTERWARDS
from tfbiggan.models.discriminator import Discriminator
from tfbiggan.models.generator import Generator

CONFIG_FILE = "config.json"
OPTIONS_FILE = "options.json"
CLASS_NAMES_FILE = "class_names.txt"
CHECKPOINT_PREFIX = "ckpt"
GENERATOR_FOLDER = "generator"
GENERATOR_PREFIX = "ema_generator"
SAMPLES_FOLDER = "samples"
SUMMARIES_FOLDER = "train"
EVAL_REFERENCE_FILE = "eval_reference.npz"
COLLAPSE_WATCH_FILE = "collapse_watch.json"
BEST_FOLDER = "best"
BEST_RECORD_FILE = "best.json"
# Tables sized by the config's truncation grid; a generator built for another grid skips them.
_TRUNCATION_TABLES = ("truncation_means", "truncation_vars")


def variables_by_path(variables):
  """A `tf.train.Checkpoint` of Keras variables keyed by their unique paths."""
  by_path = {}
  for variable in variables:
    if variable.path in by_path:
      raise ValueError(f"two variables share the path {variable.path!r}")
    by_path[variable.path] = variable
  return tf.train.Checkpoint(**by_path)


def generator_checkpoint(ema_generator, skip_truncation_tables=False):
  """A checkpoint view that reads or writes only the EMA generator of a training run.

  skip_truncation_tables: leave out the per-truncation BN statistics (for a generator built
  with another truncation grid than the run's; they are baked afresh).
  """
  weights = [w for w in ema_generator.weights
             if not (skip_truncation_tables and w.name in _TRUNCATION_TABLES)]
  return tf.train.Checkpoint(ema_generator=variables_by_path(weights))


def discriminator_checkpoint(discriminator):
  """A checkpoint view that reads only the discriminator of a training run."""
  return tf.train.Checkpoint(discriminator=variables_by_path(discriminator.weights))


class RunDir:
  """The folder of one training run (see the module docstring for its layout).

  Args:
    path: the run's folder, local or on any TensorFlow file system (`gs://...`).
  """

  def __init__(self, path):
    if not path:
      raise ValueError("a run needs a folder (--model_dir)")
    self.path = files.absolute(path)

  def __repr__(self):
    return f"RunDir({self.path!r})"

  def file(self, *parts):
    """The path of `parts` inside the run."""
    return files.join(self.path, *parts)

  @property
  def config_path(self):
    return self.file(CONFIG_FILE)

  @property
  def summaries_dir(self):
    return self.file(SUMMARIES_FOLDER)

  @property
  def eval_reference_path(self):
    return self.file(EVAL_REFERENCE_FILE)

  @property
  def final_generator_folder(self):
    return self.file(GENERATOR_FOLDER)

  @property
  def collapse_watch_path(self):
    return self.file(COLLAPSE_WATCH_FILE)

  @property
  def best_folder(self):
    return self.file(BEST_FOLDER)

  @property
  def best_record_path(self):
    return self.file(BEST_FOLDER, BEST_RECORD_FILE)

  def best_checkpoint_prefix(self, step):
    """Where the copy of the checkpoint of `step` is kept among the best."""
    return self.file(BEST_FOLDER, f"{CHECKPOINT_PREFIX}-{step}")

  def sample_path(self, step):
    return self.file(SAMPLES_FOLDER, f"step_{step:08d}.png")

  def worker_scratch(self, worker_id):
    """Where a non-chief worker writes (and at once deletes) its checkpoints."""
    return self.file(f".worker_{worker_id}")

  def create(self):
    files.makedirs(self.path)
    return self

  # The config, options and class names.

  def read_config(self):
    """The `BigGANConfig` the run was trained with, or None when it has none yet."""
    if not files.exists(self.config_path):
      return None
    return BigGANConfig.from_dict(files.read_json(self.config_path))

  def config(self):
    """The run's config.

    Raises:
      FileNotFoundError: the folder holds no config.json (not a run).
    """
    config = self.read_config()
    if config is None:
      raise FileNotFoundError(f"{self.path} holds no {CONFIG_FILE}: not a tfbiggan-train run "
                              "(pass the --model_dir given to tfbiggan-train)")
    return config

  def write_config(self, config):
    files.write_json(self.config_path, config.to_dict())

  def read_options(self):
    """The run's options as a dict (see `TrainOptions`), or None."""
    path = self.file(OPTIONS_FILE)
    return files.read_json(path) if files.exists(path) else None

  def write_options(self, options):
    """Writes a dict of the run's options."""
    files.write_json(self.file(OPTIONS_FILE), options)

  def read_class_names(self):
    """The class names the run's data set gave, or None for a run that did not record them."""
    path = self.file(CLASS_NAMES_FILE)
    return files.read_text(path).splitlines() if files.exists(path) else None

  def write_class_names(self, class_names):
    files.write_atomically(self.file(CLASS_NAMES_FILE),
                           "".join(f"{name}\n" for name in class_names))

  # Checkpoints and the final generator.

  def latest_checkpoint(self):
    """Path of the newest complete checkpoint, or None."""
    return tf.train.latest_checkpoint(self.path)

  def newest_checkpoint(self):
    """Like `latest_checkpoint`, but FileNotFoundError when there is none."""
    path = self.latest_checkpoint()
    if not path:
      raise FileNotFoundError(f"{self.path} holds no checkpoint yet")
    return path

  def checkpoint_step(self, path=None):
    """The step of the training checkpoint at `path` (default: the newest), or None when
    there is none."""
    path = path or self.latest_checkpoint()
    if not path:
      return None
    # The reader itself: `tf.train.load_variable` would ask whether the prefix is a folder,
    # which some file systems (ram://) answer yes for any prefix of a file.
    reader = tf.compat.v1.train.NewCheckpointReader(path)
    return int(reader.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE"))

  def read_best(self):
    """The record of the run's best checkpoints (`best/best.json`): a dict with "metric",
    "lower_is_better" and "checkpoints" (best first: dicts of "step", "value", "metrics",
    "prefix" relative to the run), or None when the run keeps none."""
    if not files.exists(self.best_record_path):
      return None
    return files.read_json(self.best_record_path)

  def checkpoint_for(self, which):
    """(prefix, description) of the checkpoint `which` names.

    Args:
      which: "latest" (the baked `generator/` of a finished run, else the newest
        checkpoint), "best" (the best kept by the periodic evaluation), or a step (an int or
        its digits: a rolling or a best checkpoint of that step).

    Raises:
      FileNotFoundError: no such checkpoint; the message lists the steps there are.
      ValueError: `which` is none of these.
    """
    which = str(which).strip()
    if which == "latest":
      if self.has_final_generator():
        return files.join(self.final_generator_folder, GENERATOR_PREFIX), "the final generator"
      return self.newest_checkpoint(), f"the newest checkpoint (step {self.checkpoint_step()})"
    best = self.read_best() or {"checkpoints": []}
    if which == "best":
      if not best["checkpoints"]:
        raise FileNotFoundError(
            f"{self.path} keeps no best checkpoint: a run keeps them when it evaluates "
            "(--eval_every) with --keep_best >= 1; use --checkpoint=latest or a step")
      entry = best["checkpoints"][0]
      return (self.file(entry["prefix"]),
              f"the best checkpoint by {best['metric']} (step {entry['step']}, "
              f"{best['metric']} {entry['value']:.4g})")
    if not which.isdigit():
      raise ValueError(f"a checkpoint is 'latest', 'best' or a step, not {which!r}")
    step = int(which)
    rolling = self.file(f"{CHECKPOINT_PREFIX}-{step}")
    if files.exists(rolling + ".index"):
      return rolling, f"the checkpoint of step {step}"
    for entry in best["checkpoints"]:
      if entry["step"] == step:
        return self.file(entry["prefix"]), f"the best checkpoint of step {step}"
    state = tf.train.get_checkpoint_state(self.path)
    steps = sorted({int(p.rsplit("-", 1)[1]) for p in
                    (state.all_model_checkpoint_paths if state else [])}
                   | {e["step"] for e in best["checkpoints"]})
    raise FileNotFoundError(f"{self.path} holds no checkpoint of step {step}; it holds steps "
                            f"{steps or 'none'}")

  def has_final_generator(self):
    """Whether the run finished and baked its EMA generator (`generator/`)."""
    return files.exists(files.join(self.final_generator_folder, GENERATOR_PREFIX + ".index"))

  def write_final_generator(self, ema_generator):
    """Writes `generator/` atomically (a scratch folder moved into place); returns it."""
    final = self.final_generator_folder
    scratch = files.scratch_folder(final)
    try:
      generator_checkpoint(ema_generator).write(files.join(scratch, GENERATOR_PREFIX))
      return files.replace_folder(scratch, final)
    except BaseException:
      files.rmtree(scratch)
      raise

  def load_ema_generator(self, truncation_grid=None, checkpoint="latest"):
    """The EMA generator of the checkpoint `checkpoint` names (see `checkpoint_for`; by
    default `generator/`, with standing statistics baked in after the last step, if present,
    else the newest training checkpoint's EMA weights).

    Args:
      truncation_grid: build the generator with this truncation grid instead of the run's;
        when it differs, the per-truncation statistics are not loaded (all zero means and
        unit variances: bake them with `bake_truncation_statistics`).
      checkpoint: "latest", "best" or a step.

    Raises:
      FileNotFoundError: the folder holds no config.json or no such checkpoint.
    """
    config = self.config()
    other_grid = (truncation_grid is not None
                  and tuple(truncation_grid) != tuple(config.truncation_grid))
    if other_grid:
      config = config.replace(truncation_grid=tuple(truncation_grid))
    path, _ = self.checkpoint_for(checkpoint)
    generator = Generator(config, initializer=ASSIGNED_AFTERWARDS)
    view = generator_checkpoint(generator, skip_truncation_tables=other_grid)
    # Every weight of the view must be read; the checkpoint may hold more (G, D, optimizers).
    view.read(path).assert_existing_objects_matched().expect_partial()
    return generator

  def load_discriminator(self, checkpoint="latest"):
    """The discriminator of a training checkpoint (for fine-tuning or export): the newest
    one, or the one `checkpoint` names ("best" or a step; see `checkpoint_for`).

    Raises:
      FileNotFoundError: the folder holds no config.json or no such checkpoint.
    """
    discriminator = Discriminator(self.config(), initializer=ASSIGNED_AFTERWARDS)
    path = (self.newest_checkpoint() if str(checkpoint) == "latest"
            else self.checkpoint_for(checkpoint)[0])
    discriminator_checkpoint(discriminator).read(path).assert_existing_objects_matched() \
        .expect_partial()
    return discriminator
