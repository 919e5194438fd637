"""`train(config, options)`: a BigGAN training run under any tf.distribute strategy.

The run lives in `options.model_dir`, a local folder or one on any TensorFlow file system
(`gs://bucket/runs/x`), laid out as `tfbiggan.run_dir` says: config and options, class names,
checkpoints, TensorBoard summaries, sample grids and, after the last step, the EMA generator
with standing statistics baked in (what export reads). A rerun with the same model_dir
resumes from the newest checkpoint; `options.steps` is the total step to reach, so a rerun
with a larger value continues the run. A fresh run with `options.init_generator` starts from
trained weights (`tfbiggan.training.initial_weights`); its number of classes follows the data,
as it does with `options.classes`.
"""

import contextlib
import dataclasses
import signal
import time
from typing import Any, Optional

from absl import logging
import keras
import tensorflow as tf

from tfbiggan import files
from tfbiggan.configs.config import RESUMABLE_CHANGES
from tfbiggan.data import distributed_dataset, make_source
from tfbiggan.distribute.strategy import is_chief, resolve_strategy
from tfbiggan.progress import format_duration
from tfbiggan.run_dir import RunDir
from tfbiggan.standing_statistics import (accumulate_standing_statistics,
                                          bake_truncation_statistics)
from tfbiggan.training import fresh_d, initial_weights
from tfbiggan.training.batch_fit import fit_accumulations
from tfbiggan.training.best_checkpoints import BestCheckpoints, check_metric
from tfbiggan.training.checkpoints import CheckpointKeeper, checkpoint_groups
from tfbiggan.training.collapse_watch import CollapseWatch
from tfbiggan.training.held_out import HELD_OUT_SPLITS, HeldOutProbe, held_out_source
from tfbiggan.training.options import TrainOptions
from tfbiggan.training.periodic_eval import PeriodicEvaluation
from tfbiggan.training.summaries import RunSummaries, top_singular_values
from tfbiggan.training.trainer import G_METRICS, SKIP_METRICS, Trainer


class NonFiniteLossError(RuntimeError):
  """A loss became NaN or Inf; the run stopped without saving over the last good checkpoint."""


def check_resumable_config(run, config):
  """The fields of `config` that differ from the `RunDir`'s own, {field: (old, new)}.

  Raises:
    ValueError: naming the fields, when one of them is not among `RESUMABLE_CHANGES`.
  """
  previous = run.read_config()
  if previous is None or previous == config:
    return {}
  old, new = previous.to_dict(), config.to_dict()
  changed = {k: (old.get(k), new[k]) for k in new if old.get(k) != new[k]}
  fixed = sorted(set(changed) - set(RESUMABLE_CHANGES))
  if fixed:
    raise ValueError(
        f"{run.path} holds a run with another config; changed fields (old, new): {changed}. "
        f"A resumed run may change only {', '.join(RESUMABLE_CHANGES)}: resume with the "
        f"run's values of {', '.join(fixed)}, or start a new run in another --model_dir.")
  return changed


class _SigtermFlag:
  """Turns SIGTERM into a flag the loop checks between loops (single host)."""

  def __init__(self):
    self.raised = False
    self._previous = None

  def __enter__(self):
    try:
      self._previous = signal.signal(signal.SIGTERM, self._handle)
    except ValueError:  # Not the main thread: leave signals alone.
      self._previous = None
    return self

  def _handle(self, signum, frame):
    del signum, frame
    self.raised = True

  def __exit__(self, *exc):
    if self._previous is not None:
      signal.signal(signal.SIGTERM, self._previous)


def _preemption_handler(strategy, keeper):
  """tf.distribute's PreemptionCheckpointHandler where the strategy supports one, else None.

  On MultiWorkerMirroredStrategy and TPUStrategy it watches for the platform's preemption
  notice (SIGTERM off Google Cloud), aligns every worker to save a checkpoint at the next
  `run` call, then exits so that the cluster restarts the job, which resumes from it.
  """
  if not isinstance(strategy, (tf.distribute.MultiWorkerMirroredStrategy,
                               tf.distribute.TPUStrategy)):
    return None
  return tf.distribute.experimental.PreemptionCheckpointHandler(
      strategy.cluster_resolver, keeper.manager)


def _save_final_generator(run, trainer, options):
  """Bakes standing statistics into the EMA generator and writes the run's generator/."""
  generator = trainer.ema.ema_generator
  config = trainer.config
  if options.standing_stats_batches:
    logging.info("accumulating standing statistics (%d batches of %d)",
                 options.standing_stats_batches, config.batch_size)
    batch = min(config.batch_size, 256)
    if config.truncation_grid:
      bake_truncation_statistics(generator, options.standing_stats_batches, batch,
                                 seed=options.seed)
    accumulate_standing_statistics(generator, options.standing_stats_batches, batch,
                                   truncation=1.0, seed=options.seed)
  return run.write_final_generator(generator)


def _loss_scales(trainer, metrics, num_steps, step):
  """float16: logs the updates of the last loop whose gradients overflowed (skipped, not
  applied) and returns the loss scales and skip counts to write to TensorBoard; {} else."""
  if trainer.d_loss_scale is None:
    return {}
  scales = {"d": trainer.d_loss_scale, "g": trainer.g_loss_scale}
  skipped = {name: int(round(metrics[f"{name}_skipped"] * num_steps)) for name in scales}
  if any(skipped.values()):
    logging.warning("float16: %d D and %d G update(s) of steps %d to %d overflowed and were "
                    "skipped; loss scales now D %g, G %g", skipped["d"], skipped["g"],
                    step - num_steps, step, float(scales["d"].scale.numpy()),
                    float(scales["g"].scale.numpy()))
  return {**{f"{name}_loss_scale": float(scale.scale.numpy()) for name, scale in scales.items()},
          **{f"{name}_skipped": float(count) for name, count in skipped.items()}}


def _initial_models(options, initial_generator):
  """(generator, discriminator) `TrainedModel`s to start a fresh run from (None if none)."""
  if not options.init_generator:
    return None, None
  generator = initial_generator or initial_weights.load_initial_generator(
      options.init_generator)
  discriminator = (initial_weights.load_initial_discriminator(options.init_discriminator)
                   if options.init_discriminator else None)
  return generator, discriminator


@dataclasses.dataclass
class _Run:
  """What the phases of a run share (`_set_up` makes it, `_monitor` adds the monitors)."""
  config: Any
  options: TrainOptions
  strategy: Any
  chief: bool
  run_dir: RunDir
  source: Any
  trainer: Trainer
  keeper: CheckpointKeeper
  restored: Optional[str]
  best: Optional[BestCheckpoints]
  step: int
  saved_step: Optional[int] = None
  summaries: Optional[RunSummaries] = None
  collapse_watch: Optional[CollapseWatch] = None
  evaluation: Optional[PeriodicEvaluation] = None
  probe: Optional[HeldOutProbe] = None
  # Every worker must decide to stop alike: FID is measured on the chief alone, so with
  # several workers its alarms only warn.
  fid_stops: bool = True
  iterator: Any = None


def _data_and_config(config, options, run_dir, strategy, fresh_d=None):
  """(the data source, the config it trains, the resumable changes against the run's); the
  accumulations fitted to `strategy`'s devices with --fit_accumulations; with `fresh_d`
  ((the initial G's `TrainedModel`, the fields to keep)), the fresh-D recipe for the data's
  classes."""
  source = make_source(config.dataset, config.resolution, options.split, options.data_dir,
                       options.manual_dir, options.download, options.class_list,
                       options.examples_per_class)
  if (options.init_generator or options.classes) and source.num_classes != config.num_classes:
    # The chosen classes, or (fine-tuning) the data's classes, with embeddings rebuilt.
    config = config.replace(num_classes=source.num_classes)
  if fresh_d is not None:
    config = _with_fresh_d_recipe(config, source.class_names, options.class_init, *fresh_d)
  changes = check_resumable_config(run_dir, config)
  if source.num_classes != config.num_classes:
    raise ValueError(f"{source.name} has {source.num_classes} classes but the config has "
                     f"num_classes={config.num_classes}; pass --num_classes="
                     f"{source.num_classes}")
  if options.fit_accumulations:  # After the checks: on a TPU each try compiles a step.
    fitted = fit_accumulations(config, strategy, options.compute_precision, options.xla)
    if fitted != config:
      config, changes = fitted, check_resumable_config(run_dir, fitted)
  return source, config, changes


def _with_fresh_d_recipe(config, class_names, class_init, init_g, keep):
  """`config` with the fresh-D recipe (`fresh_d.with_fresh_d_recipe`) but the fields in
  `keep`, its EMA start kept when a class of `class_names` has no source class in `init_g`."""
  rows = initial_weights.class_rows(class_names, init_g.class_names,
                                    initial_weights.parse_class_init(class_init))
  new = [name for name, row in zip(class_names, rows) if row is initial_weights.MEAN]
  config, applied = fresh_d.with_fresh_d_recipe(config, keep, new_classes=bool(new))
  if applied:
    logging.info("a fresh D: %s (each flag overrides its value)", fresh_d.as_flags(applied))
  changes = []
  if new and "ema_start_step" not in keep:
    changes.append(f"the EMA copies G until step {config.ema_start_step}, not averaging from "
                   "the source's weights")
  if new and "g_lr" not in keep:
    changes.append(f"G's learning rate is {fresh_d.NEW_CLASS_G_LR_FACTOR} times the config's")
  if changes:
    logging.info("%d class(es) are new to the source (%s%s): %s", len(new), ", ".join(new[:10]),
                 ", ..." if len(new) > 10 else "", "; ".join(changes))
  return config


def _build_trainer(config, options, strategy, source, init_g, init_d):
  """The `Trainer`, with the fine-tune's initial weights when `init_g` is given."""
  # Initial weights are a function of the seed too (a resumed run restores them anyway).
  keras.utils.set_random_seed(options.seed)
  trainer = Trainer(config, strategy, options.seed, options.compute_precision, options.xla)
  if init_g is not None:
    rows = initial_weights.initialize_trainer(trainer, source.class_names, init_g, init_d,
                                              initial_weights.parse_class_init(
                                                  options.class_init))
    logging.info("fine-tuning from %s%s%s; class embeddings: %s", init_g.source,
                 f" (D from {init_d.source})" if init_d else
                 f" with a fresh D ({fresh_d.describe(config)})",
                 f", cross-domain correspondence with it (weight {config.cdc_weight:g})"
                 if config.cdc_weight else "",
                 initial_weights.describe_rows(source.class_names, init_g.class_names,
                                               rows["generator"]))
  return trainer


def _restore(run, changes):
  """Restores the run's newest checkpoint, if any, says what changed, and writes the run's
  config, options and class names (chief)."""
  trainer, config, options = run.trainer, run.config, run.options
  run.restored = run.keeper.restore_latest()
  run.step = int(trainer.step.numpy())
  if run.restored:
    run.saved_step = run.step
    logging.info("resumed from %s at step %d", run.restored, run.step)
    if changes:
      logging.info("resumed with a changed recipe: %s", ", ".join(
          f"{field} {old} -> {new}" for field, (old, new) in sorted(changes.items())))
    # The checkpoint restored the optimizers' learning rates with the rest of their state.
    trainer.g_optimizer.learning_rate.assign(config.g_lr)
    trainer.d_optimizer.learning_rate.assign(config.d_lr)
    if int(trainer.seed.numpy()) != options.seed:
      logging.warning("the run's seed is %d (from its checkpoint); --seed=%d is ignored",
                      int(trainer.seed.numpy()), options.seed)
  if run.chief:
    run.run_dir.write_config(config)
    run.run_dir.write_options(dataclasses.asdict(options))
    run.run_dir.write_class_names(run.source.class_names)


def _set_up(config, options, strategy, initial_generator, fresh_d_keep):
  """Phase 1: checks everything that can be wrong before writing anything, then builds the
  trainer, creates the run's folder and restores its newest checkpoint. Returns a `_Run`."""
  options.validate()
  check_metric(options.best_metric)
  strategy = strategy or resolve_strategy(options.tpu)
  chief = is_chief(strategy)
  run_dir = RunDir(options.model_dir)
  fresh = run_dir.latest_checkpoint() is None
  if config.cdc_weight and fresh and not options.init_generator:
    raise ValueError(f"cdc_weight={config.cdc_weight:g} keeps a fine-tune's samples "
                     "corresponding to those of the generator it starts from: pass "
                     "--init_generator, or --cdc_weight=0 to train without it")
  init_g, init_d = (_initial_models(options, initial_generator) if fresh else (None, None))
  fresh_d = ((init_g, tuple(fresh_d_keep))
             if init_g is not None and init_d is None and fresh_d_keep is not None else None)
  source, config, changes = _data_and_config(config, options, run_dir, strategy, fresh_d)
  best = (BestCheckpoints(run_dir, options.keep_best, options.best_metric)
          if options.eval_every and options.keep_best and chief else None)
  trainer = _build_trainer(config, options, strategy, source, init_g, init_d)
  run_dir.create()
  resolver = getattr(strategy, "cluster_resolver", None)
  keeper = CheckpointKeeper(checkpoint_groups(trainer), run_dir, options.keep_checkpoints, chief,
                            worker_id=getattr(resolver, "task_id", 0) or 0)
  run = _Run(config, options, strategy, chief, run_dir, source, trainer, keeper, None, best, 0)
  _restore(run, changes)
  return run


def _monitor(run):
  """Phase 2: summaries, the collapse watch, the periodic evaluation and the held-out probe,
  and the data from the run's step on."""
  config, options, strategy, run_dir = run.config, run.options, run.strategy, run.run_dir
  run.summaries = RunSummaries(run_dir, config, run.chief, seed=options.seed)
  if options.on_collapse != "off":
    run.collapse_watch = CollapseWatch(options.collapse_sigma_jump,
                                       options.collapse_d_loss_floor, options.collapse_fid_rise)
    if run.restored and files.exists(run_dir.collapse_watch_path):
      run.collapse_watch.restore(files.read_json(run_dir.collapse_watch_path))
  run.fid_stops = not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
  if options.eval_every and run.chief:
    run.evaluation = PeriodicEvaluation(run_dir.eval_reference_path, run.source,
                                        options.eval_classifier, options.eval_samples,
                                        seed=options.seed, strategy=strategy)
  if run.evaluation is not None and options.held_out_images:
    held_out = held_out_source(run.source, config.dataset, config.resolution, options.data_dir,
                               options.manual_dir, options.class_list)
    if held_out is None:
      logging.info("%s has no held-out split (%s): D is measured on the training images "
                   "only by the losses", run.source.name, ", ".join(HELD_OUT_SPLITS))
    else:
      run.probe = HeldOutProbe(run.source, held_out, options.held_out_images, strategy)
  dataset = distributed_dataset(strategy, run.source, config.batch_size, config.d_steps,
                                start_step=run.step, seed=int(run.trainer.seed.numpy()),
                                shuffle_buffer=options.shuffle_buffer)
  run.iterator = iter(dataset)
  logging.info("training %s on %s (%d examples) from step %d to %d, global batch %d on %d "
               "replica(s)", config.name, run.source.name, run.source.num_examples, run.step,
               options.steps, config.batch_size, strategy.num_replicas_in_sync)


def _loop_length(run, warming_up):
  """The steps of the next loop: up to steps_per_loop, ending at the next checkpoint, the
  last step and (a loop is all D warm-up or none of it) the end of the D warm-up."""
  options, step = run.options, run.step
  until_checkpoint = options.checkpoint_every - step % options.checkpoint_every
  num_steps = min(options.steps_per_loop, options.steps - step, until_checkpoint)
  if warming_up:
    num_steps = min(num_steps, run.config.d_warmup_steps - step)
  return num_steps


def _log_loop(run, metrics, num_steps, steps_per_sec, warming_up, first_loop):
  """The loop's log line and TensorBoard scalars."""
  options, config, trainer, step = run.options, run.config, run.trainer, run.step
  logged = {k: v for k, v in metrics.items()
            if not (warming_up and k in G_METRICS) and k not in SKIP_METRICS}
  logged["g_lr"] = float(trainer.g_optimizer.learning_rate.numpy())
  logged.update(_loss_scales(trainer, metrics, num_steps, step))
  run.summaries.scalars(step, logged, steps_per_sec)
  eta = ("" if first_loop else
         f" | ETA {format_duration((options.steps - step) / steps_per_sec)}")
  g_part = "D warm-up, G held" if warming_up else f"g_loss {metrics['g_loss']:.4f}"
  logging.info("step %d/%d | d_loss %.4f %s D(real) %.3f D(fake) %.3f | "
               "%.2f steps/s %.1f images/s%s", step, options.steps, metrics["d_loss"],
               g_part, metrics["d_real"], metrics["d_fake"], steps_per_sec,
               steps_per_sec * config.batch_size, eta)


def _crossed(step, previous, every):
  """Whether the loop from `previous` to `step` crossed a multiple of `every`."""
  return step // every > previous // every


def _watch(run, previous, metrics, warming_up):
  """The collapse watch's alarms from the losses and, every summary_every steps, from the
  singular values (also written to TensorBoard with a sample grid)."""
  options, step, watch = run.options, run.step, run.collapse_watch
  # D alone against a fixed G may well drive its loss to 0: not a collapse.
  alarms = watch.observe_losses(step, metrics) if watch and not warming_up else []
  if _crossed(step, previous, options.summary_every) or step == options.steps:
    values = {**top_singular_values(run.trainer.generator),
              **top_singular_values(run.trainer.discriminator)}
    run.summaries.singular_values(step, values)
    if watch:
      alarms += watch.observe_singular_values(step, values)
    run.summaries.samples(step, run.trainer.ema.ema_generator, run.source.class_names)
  return alarms


def _evaluate(run):
  """The evaluation of the EMA G (and D on held-out images) at this step; its results, or
  None on other workers."""
  step = run.step
  results = run.evaluation(run.trainer.ema.ema_generator)
  run.summaries.evaluation(step, results)
  logging.info("step %d evaluation (%d samples): IS %.3f FID %.3f KID %.4f "
               "precision %.3f recall %.3f", step, results["num_samples"],
               results["inception_score"], results["fid"], results["kid"],
               results["precision"], results["recall"])
  probe = run.probe
  if probe is not None:
    d_values = probe(run.trainer.discriminator)
    run.summaries.held_out(step, d_values)
    logging.info("step %d D on %d real images: training split mean %.3f, %.1f%% called "
                 "real; %s split mean %.3f, %.1f%% (gap %.3f)", step, probe.num_images,
                 d_values["train_mean"], 100 * d_values["train_accuracy"],
                 probe.held_out_source.split, d_values["held_out_mean"],
                 100 * d_values["held_out_accuracy"], d_values["gap"])
  return results


def _save(run, results):
  """Saves a checkpoint (every worker takes part), the collapse watch's state, and offers an
  evaluated step to the best checkpoints."""
  path = run.keeper.save(run.step)
  run.saved_step = run.step
  if run.collapse_watch and run.chief:
    files.write_json(run.run_dir.collapse_watch_path, run.collapse_watch.state())
  logging.info("saved %s", path)
  if run.best is not None and results is not None:
    run.best.offer(run.step, results, path)


def _train_loops(run):
  """Phase 3: loops of steps until options.steps, SIGTERM or a collapse (`--on_collapse=
  stop`), each followed by its log, summaries, evaluation and checkpoint when due.

  Returns: (the last loop's metrics, "done", "sigterm" or "collapse").
  """
  options, trainer = run.options, run.trainer
  metrics, first_loop = {}, True
  handler = _preemption_handler(run.strategy, run.keeper)
  runner = handler.run if handler else lambda fn, *args: fn(*args)
  watch = (handler.watch_preemption_scope()
           if isinstance(run.strategy, tf.distribute.TPUStrategy) else contextlib.nullcontext())
  with _SigtermFlag() if handler is None else contextlib.nullcontext() as sigterm, watch:
    while run.step < options.steps:
      warming_up = trainer.in_d_warmup(run.step)
      num_steps = _loop_length(run, warming_up)
      start = time.time()
      metrics, first_bad = runner(trainer.train, run.iterator, num_steps)
      elapsed = time.time() - start
      if first_bad >= 0:
        raise NonFiniteLossError(
            f"a loss became NaN or Inf at step {first_bad} (in the loop of steps {run.step} "
            f"to {run.step + num_steps}); nothing was saved, the newest checkpoint in "
            f"{options.model_dir} (step {run.saved_step}) is the last good one. Rerun to "
            "resume from it, e.g. with lower learning rates.")
      previous = run.step
      run.step += num_steps
      _log_loop(run, metrics, num_steps, num_steps / elapsed, warming_up, first_loop)
      first_loop = False
      alarms = _watch(run, previous, metrics, warming_up)
      # Decided on every worker alike: an evaluated step is also saved (every worker takes
      # part in a save), so that a best one can be kept.
      evaluated = bool(options.eval_every) and (
          _crossed(run.step, previous, options.eval_every) or run.step == options.steps)
      results = _evaluate(run) if run.evaluation and evaluated else None
      fid_alarms = (run.collapse_watch.observe_evaluation(run.step, results["fid"])
                    if run.collapse_watch and results is not None else [])
      for alarm in alarms + fid_alarms:
        logging.warning("collapse watch: %s", alarm)
        run.summaries.collapse(run.step, alarm)
      collapsed = options.on_collapse == "stop" and bool(
          alarms or (run.fid_stops and fid_alarms))
      stop = (sigterm is not None and sigterm.raised) or collapsed
      if (run.step % options.checkpoint_every == 0 or run.step == options.steps or stop
          or evaluated):
        _save(run, results)
      run.summaries.flush()
      if collapsed:
        logging.warning("the collapse watch stopped the run: saved step %d", run.step)
        return metrics, "collapse"
      if stop:
        logging.warning("SIGTERM: saved step %d and stopped", run.step)
        return metrics, "sigterm"
  return metrics, "done"


def _finish(run, stopped):
  """Phase 4: the baked EMA generator of a finished run (chief; its path, else None), and
  which checkpoint to export."""
  options, best = run.options, run.best
  final = None
  if stopped == "done" and run.chief:
    final = _save_final_generator(run.run_dir, run.trainer, options)
    logging.info("wrote the EMA generator with standing statistics to %s", final)
  if stopped == "collapse" and not (best is not None and best.entries):
    logging.warning("no evaluation ranked the checkpoints (--eval_every): the rolling ones "
                    "kept in %s are the steps before the collapse; export one with "
                    "tfbiggan-export --checkpoint=<step>", options.model_dir)
  if best is not None and best.entries:
    top = best.entries[0]
    logging.info("the best checkpoint by %s is step %d (%.4g); export it with "
                 "tfbiggan-export --model_dir=%s --checkpoint=best", best.metric, top["step"],
                 top["value"], options.model_dir)
  return final


def train(config, options, strategy=None, initial_generator=None, fresh_d_keep=None):
  """Trains `config` until `options.steps`; resumes from `options.model_dir`.

  The phases: `_set_up` (checks, trainer, restore), `_monitor` (summaries, collapse watch,
  evaluation, data), `_train_loops`, `_finish` (the baked EMA generator).

  `initial_generator`: the `TrainedModel` of `options.init_generator` when the caller has
  already loaded it (to read its config); else it is loaded here, for a fresh run only.

  `fresh_d_keep`: None, or the config fields the caller set itself: then a fresh fine-tune
  without `options.init_discriminator` takes the fresh-D recipe (`training.fresh_d`) in every
  other field, for the data's classes (tfbiggan-train passes the recipe flags given).

  Returns: dict with "step", "metrics" (of the last loop), "stopped" ("done",
  "already_done", "sigterm" or "collapse": `--on_collapse=stop`), "generator" (path of the
  baked EMA generator or None), "trainer", "alarms" (the collapse watch's,
  `collapse_watch.Alarm`).

  Raises:
    ValueError: a batch the replicas cannot split, a config that differs from the one in
      model_dir, a data set with another number of classes, an init_generator of another
      architecture or a class_init that does not fit; before anything is written.
    FileNotFoundError: the data set is missing (the message says how to prepare it).
    NonFiniteLossError: a loss became NaN / Inf (the newest checkpoint is the last good one).
  """
  run = _set_up(config, options, strategy, initial_generator, fresh_d_keep)
  if run.step >= options.steps:
    logging.info("model_dir is at step %d >= --steps=%d: nothing to train", run.step,
                 options.steps)
    return {"step": run.step, "metrics": {}, "stopped": "already_done", "generator": None,
            "alarms": []}
  _monitor(run)
  metrics, stopped = _train_loops(run)
  final = _finish(run, stopped)
  return {"step": run.step, "metrics": metrics, "stopped": stopped, "generator": final,
          "trainer": run.trainer,
          "alarms": run.collapse_watch.alarms if run.collapse_watch else []}
