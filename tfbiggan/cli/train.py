"""tfbiggan-train: trains BigGAN / BigGAN-deep with a tf.distribute custom loop.

The strategy follows the machine: --tpu (TPUStrategy), TF_CONFIG (MultiWorkerMirrored), several
GPUs (Mirrored), else one device. Every recipe knob of the config can be overridden by its
flag; the resolved config is written to <model_dir>/config.json. --model_dir and --data_dir
may be buckets (gs://...). A rerun with the same --model_dir resumes; --steps is the total to
reach. --init_generator fine-tunes a module or a run on your data (docs/fine-tuning.md); without
--init_discriminator, D starts fresh and the run takes a D warm-up, a G learning-rate warm-up and,
when every class of the data is a source class, an EMA from the source weights, else a higher
G learning rate (--d_warmup_steps, --g_lr_warmup_steps, --ema_start_step, --g_lr override
them).

Examples:
  tfbiggan-train --config=digits-32 --model_dir=runs/digits --steps=2000 \\
      --eval_every=500 --eval_classifier=digits
  tfbiggan-train --config=biggan-128 --tpu=local --data_dir=gs://bucket/tfds \\
      --model_dir=gs://bucket/runs/biggan128 --steps=250000 --precision=bfloat16 \\
      # a TPU VM (not run by the docs test)
  tfbiggan-train --config=runs/digits/config.json --g_lr=1e-4 --model_dir=runs/digits-lr --dry_run
  tfbiggan-train --init_generator=modules/biggan-deep-128 --dataset=folder:my_images \\
      --batch_size=16 --d_steps=1 --diff_augment=translation,cutout \\
      --lecam_weight=0.3 --truncation_grid=0,0.5,1 --model_dir=runs/mine --steps=2000
"""

import dataclasses
import json
import sys

from absl import app
from absl import flags
from absl import logging

from tfbiggan.cli import common
from tfbiggan.configs import get_config, list_configs
from tfbiggan.configs.config import BigGANConfig, flag_fields
from tfbiggan.training.options import TrainOptions

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "digits-32",
                    f"A preset ({', '.join(list_configs())}) or a config JSON file (local or "
                    "gs://). With --init_generator and no --config: the source's config.")
flags.DEFINE_bool("dry_run", False, "Print the resolved config and options, then exit.")

# One flag per field of TrainOptions, with the field's default, help and lower bound or choices.
_DEFINE = {int: flags.DEFINE_integer, float: flags.DEFINE_float, bool: flags.DEFINE_bool,
           str: flags.DEFINE_string}
for _field in dataclasses.fields(TrainOptions):
  _bound, _choices = _field.metadata["lower_bound"], _field.metadata["choices"]
  if _choices:
    flags.DEFINE_enum(_field.name, _field.default, _choices, _field.metadata["help"])
    continue
  _define = _DEFINE.get(_field.type, flags.DEFINE_string)
  _define(_field.name, _field.default, _field.metadata["help"],
          **({"lower_bound": _bound} if _bound is not None else {}))

# One flag per recipe field of BigGANConfig (`configs.config.flag`), None keeping the
# config's value.
for _field in flag_fields():
  _help = _field.metadata["flag_help"] + " Default: the config's."
  _choices = _field.metadata["choices"]
  if _choices:
    flags.DEFINE_enum(_field.name, None, _choices, _help)
  elif _field.name == "truncation_grid":
    flags.DEFINE_list(_field.name, None, _help)
  else:
    _DEFINE.get(_field.type, flags.DEFINE_string)(_field.name, None, _help)


def resumed_run():
  """The `RunDir` of --model_dir when it holds a checkpoint (the run resumes), else None."""
  from tfbiggan.run_dir import RunDir  # pylint: disable=import-outside-toplevel
  run = RunDir(FLAGS.model_dir) if FLAGS.model_dir else None
  return run if run and run.latest_checkpoint() else None


def fine_tuning_base(resumed):
  """(the `TrainedModel` of --init_generator or None, the base config or None) when the
  config comes from the source (--init_generator without --config). A run that already has
  a checkpoint (`resumed`, from `resumed_run`) resumes with its own config and never reads
  the source."""
  if not FLAGS.init_generator or FLAGS["config"].present:
    return None, None
  from tfbiggan.training.initial_weights import load_initial_generator  # pylint: disable=import-outside-toplevel
  if resumed:
    return None, resumed.config()
  try:
    initial = load_initial_generator(FLAGS.init_generator)
  except (FileNotFoundError, ValueError) as error:
    raise common.UserError(f"--init_generator: {error}") from None
  return initial, initial.config


def resolve_config(base_config=None):
  """The config named by --config (or `base_config`, see `fine_tuning_base`) with the recipe
  flags applied (UsageError if invalid)."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan import files
  overrides = {field.name: FLAGS[field.name].value for field in flag_fields()
               if FLAGS[field.name].value is not None}
  if "truncation_grid" in overrides:
    overrides["truncation_grid"] = tuple(
        common.float_list("truncation_grid", FLAGS.truncation_grid, 0.0, 1.0))
  try:
    if base_config is not None:
      base = base_config
    elif FLAGS.config.endswith(".json") or "/" in FLAGS.config:
      if not files.exists(FLAGS.config):
        raise ValueError(f"config file {FLAGS.config!r} does not exist")
      base = BigGANConfig.from_dict(files.read_json(FLAGS.config))
    else:
      base = FLAGS.config
    return get_config(base, **overrides)
  except (ValueError, TypeError, json.JSONDecodeError) as error:
    raise app.UsageError(f"invalid config: {error}")


def resolve_options():
  """The TrainOptions of the flags (UsageError when --model_dir or --steps is missing)."""
  common.require("model_dir", "steps")
  return TrainOptions(**{field.name: FLAGS[field.name].value
                         for field in dataclasses.fields(TrainOptions)})


def fresh_d_keep(resumed):
  """The fresh-D recipe's fields whose flags are given, when a new run (not a `resumed` one:
  that keeps its config) has --init_generator without --init_discriminator: `train` applies
  the recipe (`tfbiggan.training.fresh_d`) to the others. Else None."""
  if not FLAGS.init_generator or FLAGS.init_discriminator or resumed:
    return None
  from tfbiggan.training.fresh_d import RECIPE_FIELDS  # pylint: disable=import-outside-toplevel
  return tuple(name for name in RECIPE_FIELDS if FLAGS[name].present)


def dry_run_config(config, keep):
  """`config` as the dry run prints it: with the fresh-D recipe but the fields in `keep`
  (None: none), as for a run whose classes are the source's (the data is not read)."""
  if keep is None:
    return config
  # pylint: disable=import-outside-toplevel
  from tfbiggan.training.fresh_d import as_flags, with_fresh_d_recipe
  recipe, applied = with_fresh_d_recipe(config, keep)
  if applied:
    _, if_new = with_fresh_d_recipe(config, keep, new_classes=True)
    logging.info("a fresh D: %s (each flag overrides its value; if a class of the data is new "
                 "to the source: %s, with the config's --ema_start_step=%d)",
                 as_flags(applied), as_flags(if_new) or "none", config.ema_start_step)
  return recipe


def main(argv):
  del argv
  resumed = resumed_run()
  initial, base_config = fine_tuning_base(resumed)
  config = resolve_config(base_config)
  keep = fresh_d_keep(resumed)
  if FLAGS.dry_run:
    options = (dataclasses.asdict(resolve_options())
               if FLAGS.model_dir and FLAGS.steps is not None else None)
    print(json.dumps({"config": dry_run_config(config, keep).to_dict(), "options": options},
                     indent=2, sort_keys=True))
    return 0
  options = resolve_options()
  from tfbiggan.training.loop import NonFiniteLossError, train  # pylint: disable=import-outside-toplevel
  try:
    result = train(config, options, initial_generator=initial, fresh_d_keep=keep)
  except NonFiniteLossError as error:
    print(f"tfbiggan-train: stopped: {error}", file=sys.stderr)
    return 3
  logging.info("finished at step %d (%s)", result["step"], result["stopped"])
  return 0


def run():
  """Console-script entry point."""
  common.run_command(main, "tfbiggan-train", __name__)


if __name__ == "__main__":
  run()
