"""The checkpoint layout of a training run, in one place (training and export both use it).

A training checkpoint (`tf.train.Checkpoint`) holds:
  generator, discriminator, ema_generator   every weight of the three Keras models
  g_optimizer, d_optimizer                  Adam's variables: slots, iterations, lr
  step, seed                                the completed steps and the run's seed
Noise and data order are stateless functions of (seed, step), so this is the whole state of
a run. Each group maps Keras variable paths ("Generator/GBlock/conv0/w") to variables: the
Keras 3 models keep their blocks in lists, which `tf.train.Checkpoint`'s object graph does
not follow, so checkpointing the models as objects would silently drop every block's
spectral-norm vectors and BN statistics (and all of an optimizer-less model's weights). `tf.train.CheckpointManager` writes `ckpt-<step>` and only then updates its index, so a
killed writer never leaves a checkpoint that a restore would pick up.
"""

import os
import shutil

import tensorflow as tf

CHECKPOINT_PREFIX = "ckpt"
CONFIG_FILE = "config.json"
CLASS_NAMES_FILE = "class_names.txt"
FINAL_GENERATOR = os.path.join("generator", "ema_generator")
# Tables sized by the config's truncation grid; a generator built for another grid skips them.
_TRUNCATION_TABLES = ("truncation_means", "truncation_vars")


def read_run_config(model_dir):
  """The `BigGANConfig` a run in model_dir was trained with, or None when it has none."""
  import json  # pylint: disable=import-outside-toplevel
  from tfbiggan.configs.config import BigGANConfig  # pylint: disable=import-outside-toplevel
  path = os.path.join(model_dir, CONFIG_FILE)
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path) as f:
    return BigGANConfig.from_dict(json.load(f))


def write_class_names(model_dir, class_names):
  """Writes the run's class names, one a line (atomically)."""
  path = os.path.join(model_dir, CLASS_NAMES_FILE)
  scratch = path + ".tmp"
  with tf.io.gfile.GFile(scratch, "w") as f:
    f.write("".join(f"{name}\n" for name in class_names))
  tf.io.gfile.rename(scratch, path, overwrite=True)


def read_class_names(model_dir):
  """The class names a run's data set gave, or None for a run that did not record them."""
  path = os.path.join(model_dir, CLASS_NAMES_FILE)
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path) as f:
    return f.read().splitlines()


def variables_by_path(variables):
  """A `tf.train.Checkpoint` of Keras variables keyed by their unique paths."""
  by_path = {}
  for variable in variables:
    if variable.path in by_path:
      raise ValueError(f"two variables share the path {variable.path!r}")
    by_path[variable.path] = variable
  return tf.train.Checkpoint(**by_path)


def training_checkpoint(trainer):
  """The `tf.train.Checkpoint` of everything a `Trainer` updates."""
  return tf.train.Checkpoint(
      generator=variables_by_path(trainer.generator.weights),
      discriminator=variables_by_path(trainer.discriminator.weights),
      ema_generator=variables_by_path(trainer.ema.ema_generator.weights),
      g_optimizer=variables_by_path(trainer.g_optimizer.variables),
      d_optimizer=variables_by_path(trainer.d_optimizer.variables),
      step=trainer.step, seed=trainer.seed)


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


def latest_checkpoint(model_dir):
  """Path of the newest complete checkpoint in `model_dir`, or None."""
  return tf.train.latest_checkpoint(model_dir)


class CheckpointKeeper:
  """Saves and restores a run's checkpoint; on multi-worker runs only the chief keeps them.

  Every worker must take part in a save (variables are synchronised), so non-chief workers
  write into a scratch folder that is deleted right after.

  Args:
    checkpoint: from `training_checkpoint`.
    model_dir: the run's folder.
    keep: how many checkpoints to keep.
    chief: whether this process is the chief (see `strategy.is_chief`).
    worker_id: this worker's index, for the scratch folder of a non-chief worker.
  """

  def __init__(self, checkpoint, model_dir, keep=5, chief=True, worker_id=0):
    self.chief = chief
    self.directory = model_dir if chief else os.path.join(model_dir, f".worker_{worker_id}")
    self.manager = tf.train.CheckpointManager(checkpoint, self.directory, max_to_keep=keep,
                                              checkpoint_name=CHECKPOINT_PREFIX)
    self.checkpoint = checkpoint

  def restore_latest(self, model_dir):
    """Restores the newest checkpoint of the run (read from the chief's folder), if any.

    Returns: its path, or None when the run starts fresh.
    """
    path = latest_checkpoint(model_dir)
    if path:
      # Every variable of the run must be restored; extra entries (the run counter that
      # PreemptionCheckpointHandler adds on multi-worker runs) may be present.
      self.checkpoint.restore(path).assert_existing_objects_matched()
    return path

  def save(self, step):
    path = self.manager.save(checkpoint_number=step)
    if not self.chief:
      shutil.rmtree(self.directory, ignore_errors=True)
    return path


def _run_config(model_dir):
  config = read_run_config(model_dir)
  if config is None:
    raise FileNotFoundError(f"{model_dir} holds no {CONFIG_FILE}: not a tfbiggan-train run")
  return config


def _newest_checkpoint(model_dir):
  path = latest_checkpoint(model_dir)
  if not path:
    raise FileNotFoundError(f"{model_dir} holds no checkpoint yet")
  return path


def load_ema_generator(model_dir, truncation_grid=None):
  """The EMA generator of a training run: `model_dir/generator` (standing statistics baked
  in after the last step) if present, else the newest training checkpoint's EMA weights.

  Args:
    model_dir: the run's folder.
    truncation_grid: build the generator with this truncation grid instead of the run's;
      when it differs, the per-truncation statistics are not loaded (all zero means and unit
      variances: bake them with `bake_truncation_statistics`).

  Raises:
    FileNotFoundError: model_dir holds no config.json or no checkpoint.
  """
  from tfbiggan.models.generator import Generator  # pylint: disable=import-outside-toplevel
  config = _run_config(model_dir)
  other_grid = (truncation_grid is not None
                and tuple(truncation_grid) != tuple(config.truncation_grid))
  if other_grid:
    config = config.replace(truncation_grid=tuple(truncation_grid))
  generator = Generator(config)
  view = generator_checkpoint(generator, skip_truncation_tables=other_grid)
  final = os.path.join(model_dir, FINAL_GENERATOR)
  path = final if tf.io.gfile.exists(final + ".index") else _newest_checkpoint(model_dir)
  # Every weight of the view must be read; the checkpoint may hold more (G, D, optimizers).
  view.read(path).assert_existing_objects_matched().expect_partial()
  return generator


def load_discriminator(model_dir):
  """The discriminator of a training run's newest checkpoint (for fine-tuning).

  Raises:
    FileNotFoundError: model_dir holds no config.json or no checkpoint.
  """
  from tfbiggan.models.discriminator import Discriminator  # pylint: disable=import-outside-toplevel
  discriminator = Discriminator(_run_config(model_dir))
  path = _newest_checkpoint(model_dir)
  discriminator_checkpoint(discriminator).read(path).assert_existing_objects_matched() \
      .expect_partial()
  return discriminator


def checkpoint_step(model_dir):
  """The step of the run's newest checkpoint, or None when it has none."""
  path = latest_checkpoint(model_dir)
  if not path:
    return None
  return int(tf.train.load_variable(path, "step/.ATTRIBUTES/VARIABLE_VALUE"))
