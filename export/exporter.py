"""Exports a generator (or a training run's EMA generator) as a TF2 TF-Hub module.

`export_run(model_dir, output)` is what `tfbiggan-export` does: it loads the run's EMA
generator, bakes BN standing statistics for each point of a truncation grid (default the
official 51 points 0, 0.02, ..., 1) and writes the module of `hub_module` atomically: into a
scratch folder beside `output` (`.<name>.tmp-*`), moved into place only when complete, so a
failed export leaves nothing at `output`. Run, output and scratch may be on any TensorFlow
file system (`tfbiggan.files`); on GCS, whose folder renames copy object by object, an
interrupted move can leave the scratch folder behind, and the next export of the same
`output` deletes it first.
"""

import datetime

from absl import logging
import numpy as np

from tfbiggan import files
from tfbiggan.class_names import default_class_names
from tfbiggan.class_names import readable_class_names
from tfbiggan.configs import OFFICIAL_TRUNCATION_GRID
from tfbiggan.modules import format as module_format
from tfbiggan.run_dir import RunDir
from tfbiggan.standing_statistics import bake_truncation_statistics
from tfbiggan_export.hub_module import build_generator_module
from tfbiggan_export.hub_module import write_generator_module
from tfbiggan_export.model_card import model_card

def check_output_path(output, overwrite=False):
  """Raises before any work when `output` cannot receive an export (a missing parent folder
  is created by the write).

  Raises:
    FileExistsError: output exists and overwrite is False.
  """
  output = files.absolute(output)
  if files.exists(output) and not overwrite:
    raise FileExistsError(f"{output} already exists; choose another --output or pass "
                          "--overwrite to replace it")


def export_generator(generator, output, class_names=None, metadata=None, discriminator=None,
                     jit_compile=False, overwrite=False, trainable_call=False):
  """Writes `generator` as a TF-Hub module at `output`, atomically.

  Args:
    generator: a `tfbiggan.Generator` whose standing statistics are in place (with a
      `truncation_grid`, the module's truncation input selects them; without one it is
      checked and otherwise unused).
    output: the module's folder (must not exist unless overwrite).
    class_names: num_classes names (default: ImageNet's for 1,000 classes, else indices).
    metadata: extra JSON-able entries for assets/metadata.json.
    discriminator: optional `tfbiggan.Discriminator` exported beside G (for fine-tuning).
    jit_compile: compile the network with XLA inside the module.
    overwrite: replace an existing `output`.
    trainable_call: also trace __call__(training=True), for fine-tuning through
      hub.KerasLayer(trainable=True) (about doubles the module's load time).

  Returns: the absolute path of the module.
  """
  config = generator.config
  check_output_path(output, overwrite)
  output = files.absolute(output)
  class_names = readable_class_names(class_names or default_class_names(config.num_classes))
  if len(class_names) != config.num_classes:
    raise ValueError(f"{len(class_names)} class names given for a generator of "
                     f"{config.num_classes} classes")
  if not config.truncation_grid:
    logging.warning("the generator has no truncation grid: the module's truncation input "
                    "will not select BN statistics")
  metadata = dict(
      format=module_format.FORMAT, name=config.name, architecture=config.architecture,
      resolution=config.resolution, dim_z=config.dim_z, num_classes=config.num_classes,
      truncation_grid=list(config.truncation_grid),
      truncation_between_grid_points="linear interpolation of BN means and variances",
      z_convention="hub: z = truncation * truncnorm(-2, 2) (tfbiggan.truncated_noise)",
      generator_parameters=int(sum(np.prod(w.shape) for w in generator.trainable_weights)),
      with_discriminator=discriminator is not None, xla=bool(jit_compile),
      trainable_call=bool(trainable_call),
      exported_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
      config=config.to_dict(), **(metadata or {}))
  scratch = files.scratch_folder(output)
  try:
    root, signatures = build_generator_module(generator, class_names, metadata, jit_compile,
                                              discriminator, trainable_call)
    write_generator_module(root, signatures, scratch, class_names, metadata,
                           model_card(metadata, class_names))
    return files.replace_folder(scratch, output)
  except BaseException:
    files.rmtree(scratch)
    raise


def _chosen_by(run, checkpoint, step):
  """What the metadata says of the exported checkpoint: which, and for a best one the metric
  it was chosen by, with its evaluation."""
  which = str(checkpoint)
  record = run.read_best() or {"checkpoints": []}
  for entry in record["checkpoints"]:
    if entry["step"] == step and which == "best":
      return dict(which=which, step=step, chosen_by=record["metric"], value=entry["value"],
                  metrics=entry["metrics"])
  return dict(which=which, step=step)


def export_run(model_dir, output, truncation_grid=None,
               standing_stats_batches=16, standing_stats_batch_size=64, seed=0,
               with_discriminator=False, class_names=None, jit_compile=False,
               overwrite=False, trainable_call=False, checkpoint="latest"):
  """Exports the EMA generator of the training run in `model_dir` to `output`.

  Args:
    model_dir: a `tfbiggan-train` run (config.json and a checkpoint or a final generator).
    output: the module's folder.
    truncation_grid: truncation values that get their own BN statistics; None: the run's own
      grid (its config's), or the official 51 points for a run without one.
    standing_stats_batches: batches of standing statistics per grid point (paper App. C);
      0 keeps the statistics the run baked after its last step (then the grid must be the
      run's own).
    standing_stats_batch_size, seed: the batches' size and noise seed.
    with_discriminator, class_names, jit_compile, overwrite, trainable_call: see
      `export_generator`.
    checkpoint: which of the run's checkpoints: "latest" (the generator baked after the
      last step, else the newest checkpoint), "best" (the best the periodic evaluation
      kept, `tfbiggan.training.best_checkpoints`) or a step. The module's metadata records
      its step and, for a best one, the metric it was chosen by.

  Raises:
    FileNotFoundError: model_dir is not a run (or has no such checkpoint), or output's
      parent is missing.
    FileExistsError: output exists (without overwrite).
    ValueError: a bad grid, batch count or class names.
  """
  check_output_path(output, overwrite)
  run = RunDir(model_dir)
  config = run.config()
  if truncation_grid is None:
    truncation_grid = config.truncation_grid or OFFICIAL_TRUNCATION_GRID
  grid = tuple(float(t) for t in truncation_grid)
  config.replace(truncation_grid=grid)  # Validates the grid before any work.
  if standing_stats_batches < 0 or standing_stats_batch_size < 1:
    raise ValueError("standing_stats_batches must be >= 0 and standing_stats_batch_size >= 1")
  path, description = run.checkpoint_for(checkpoint)  # Refuses a missing one before any work.
  if not standing_stats_batches:
    if str(checkpoint) != "latest":
      raise ValueError(
          f"standing_stats_batches=0 reuses the statistics the run baked after its last "
          f"step, which {description} does not hold; pass standing_stats_batches > 0 "
          "(e.g. 16) to bake them for it")
    baked = run.has_final_generator()
    if not baked or grid != tuple(config.truncation_grid):
      raise ValueError(
          "standing_stats_batches=0 reuses the statistics the run baked after its last step, "
          f"for its own grid {list(config.truncation_grid)}; "
          + ("this run has not finished (no generator/ folder)" if not baked else
             f"the grid asked for is {list(grid)}")
          + ". Pass standing_stats_batches > 0 (e.g. 16) to bake statistics for the grid.")
  names = class_names or run.read_class_names()
  logging.info("exporting %s of %s", description, run.path)
  generator = run.load_ema_generator(truncation_grid=grid, checkpoint=checkpoint)
  if standing_stats_batches:
    logging.info("baking standing statistics: %d truncation points x %d batches of %d",
                 len(grid), standing_stats_batches, standing_stats_batch_size)
    bake_truncation_statistics(generator, standing_stats_batches, standing_stats_batch_size,
                               seed=seed, log_progress=True)
  discriminator = (run.load_discriminator(checkpoint) if with_discriminator else None)
  step = run.checkpoint_step(None if path.startswith(run.final_generator_folder) else path)
  metadata = dict(
      source_run=run.path, training_step=step, checkpoint=_chosen_by(run, checkpoint, step),
      dataset=config.dataset,
      standing_statistics=dict(batches_per_point=standing_stats_batches,
                               batch_size=standing_stats_batch_size, seed=seed)
      if standing_stats_batches else "baked by the run after its last step")
  return export_generator(generator, output, names, metadata, discriminator, jit_compile,
                          overwrite, trainable_call)
