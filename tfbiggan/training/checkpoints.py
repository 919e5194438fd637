"""Training checkpoints: everything a `Trainer` updates, and who keeps them.

A training checkpoint (`tf.train.Checkpoint`, variables keyed by their Keras paths; the
layout and the single-group views are in `tfbiggan.run_dir`) holds:
  generator, discriminator, ema_generator   every weight of the three Keras models
  g_optimizer, d_optimizer                  Adam's variables: slots, iterations, lr
  step, seed                                the completed steps and the run's seed
  lecam_anchors                             LeCam's moving averages (runs that use it)
  source_generator                          the frozen source G of cross-domain
                                            correspondence (runs that use it)
  loss_scales                               float16's loss scales, their counts of applied
                                            and skipped updates (float16 runs; a run that
                                            started in another precision resumes without)
Noise and data order are stateless functions of (seed, step), so this is the whole state of
a run. `tf.train.CheckpointManager` writes `ckpt-<step>` and only then updates its index, so
a killed writer never leaves a checkpoint that a restore would pick up.
"""

import tensorflow as tf

from tfbiggan import files
from tfbiggan.run_dir import CHECKPOINT_PREFIX, variables_by_path


# Groups that a run's earlier checkpoints may lack: it ran in another precision before.
OPTIONAL_GROUPS = ("loss_scales",)


def checkpoint_groups(trainer):
  """{group name: a variable or a dict of them} of everything a `Trainer` updates."""
  groups = dict(
      generator=variables_by_path(trainer.generator.weights),
      discriminator=variables_by_path(trainer.discriminator.weights),
      ema_generator=variables_by_path(trainer.ema.ema_generator.weights),
      g_optimizer=variables_by_path(trainer.g_optimizer.variables),
      d_optimizer=variables_by_path(trainer.d_optimizer.variables),
      step=trainer.step, seed=trainer.seed)
  if trainer.lecam is not None:
    groups["lecam_anchors"] = trainer.lecam.state
  if trainer.source_generator is not None:
    groups["source_generator"] = variables_by_path(trainer.source_generator.weights)
  if trainer.d_loss_scale is not None:
    groups["loss_scales"] = {
        f"{name}_{part}": getattr(scale, part)
        for name, scale in (("d", trainer.d_loss_scale), ("g", trainer.g_loss_scale))
        for part in ("scale", "good_updates", "skipped")}
  return groups


def training_checkpoint(trainer):
  """The `tf.train.Checkpoint` of everything a `Trainer` updates."""
  return tf.train.Checkpoint(**checkpoint_groups(trainer))


class CheckpointKeeper:
  """Saves and restores a run's checkpoint; on multi-worker runs only the chief keeps them.

  Every worker must take part in a save (variables are synchronised), so non-chief workers
  write into a scratch folder that is deleted right after.

  Args:
    groups: what to save, from `checkpoint_groups`.
    run: the run's `RunDir`.
    keep: how many checkpoints to keep.
    chief: whether this process is the chief (see `tfbiggan.distribute.is_chief`).
    worker_id: this worker's index, for the scratch folder of a non-chief worker.
  """

  def __init__(self, groups, run, keep=5, chief=True, worker_id=0):
    self.chief = chief
    self.run = run
    self.groups = groups
    self.checkpoint = tf.train.Checkpoint(**groups)
    self.directory = run.path if chief else run.worker_scratch(worker_id)
    self.manager = tf.train.CheckpointManager(self.checkpoint, self.directory,
                                              max_to_keep=keep,
                                              checkpoint_name=CHECKPOINT_PREFIX)

  def restore_latest(self):
    """Restores the newest checkpoint of the run (read from the chief's folder), if any.

    Returns: its path, or None when the run starts fresh.
    """
    path = self.run.latest_checkpoint()
    if path:
      # The reader opens the prefix itself (tf.train.list_variables would take a prefix
      # that a file system reports as a folder, as ram:// does, for a folder).
      saved = {key.split("/", 1)[0] for key in
               tf.compat.v1.train.NewCheckpointReader(path).get_variable_to_shape_map()}
      absent = [name for name in OPTIONAL_GROUPS if name in self.groups and name not in saved]
      checkpoint = (tf.train.Checkpoint(**{name: group for name, group in self.groups.items()
                                           if name not in absent})
                    if absent else self.checkpoint)
      # Every variable of the run must be restored, but those of `absent` groups keep their
      # initial values; extra entries (the run counter that PreemptionCheckpointHandler adds
      # on multi-worker runs, a float16 run's loss scales) may be present.
      checkpoint.restore(path).assert_existing_objects_matched()
    return path

  def save(self, step):
    path = self.manager.save(checkpoint_number=step)
    if not self.chief:
      files.rmtree(self.directory)
    return path
