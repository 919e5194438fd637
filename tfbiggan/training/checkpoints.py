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


def generator_checkpoint(ema_generator):
  """A checkpoint view that reads or writes only the EMA generator of a training run."""
  return tf.train.Checkpoint(ema_generator=variables_by_path(ema_generator.weights))


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


def load_ema_generator(model_dir):
  """The EMA generator of a training run: `model_dir/generator` (standing statistics baked
  in after the last step) if present, else the newest training checkpoint's EMA weights.

  Raises:
    FileNotFoundError: model_dir holds no config.json or no checkpoint.
  """
  import json  # pylint: disable=import-outside-toplevel
  from tfbiggan.configs.config import BigGANConfig  # pylint: disable=import-outside-toplevel
  from tfbiggan.models.generator import Generator  # pylint: disable=import-outside-toplevel
  config_path = os.path.join(model_dir, "config.json")
  if not os.path.exists(config_path):
    raise FileNotFoundError(f"{model_dir} holds no config.json: not a tfbiggan-train run")
  with open(config_path) as f:
    generator = Generator(BigGANConfig.from_dict(json.load(f)))
  final = os.path.join(model_dir, "generator", "ema_generator")
  if tf.io.gfile.exists(final + ".index"):
    generator_checkpoint(generator).read(final).assert_consumed()
    return generator
  path = latest_checkpoint(model_dir)
  if not path:
    raise FileNotFoundError(f"{model_dir} holds no checkpoint yet")
  generator_checkpoint(generator).read(path).expect_partial()
  return generator
