"""tfbiggan-train: trains BigGAN / BigGAN-deep with a tf.distribute custom loop.

The strategy follows the machine: --tpu (TPUStrategy), TF_CONFIG (MultiWorkerMirrored), several
GPUs (Mirrored), else one device. Every recipe knob of the config can be overridden by its
flag; the resolved config is written to <model_dir>/config.json. --model_dir and --data_dir
may be buckets (gs://...). A rerun with the same --model_dir resumes; --steps is the total to
reach. --init_generator fine-tunes a module or a run on your data (docs/fine-tuning.md).

Examples:
  tfbiggan-train --config=digits-32 --model_dir=runs/digits --steps=2000 \\
      --eval_every=500 --eval_classifier=digits
  tfbiggan-train --config=biggan-128 --tpu=local --data_dir=gs://bucket/tfds \\
      --model_dir=gs://bucket/runs/biggan128 --steps=250000 --mixed_precision \\
      # a TPU VM (not run by the docs test)
  tfbiggan-train --config=runs/digits/config.json --g_lr=1e-4 --model_dir=runs/digits-lr --dry_run
  tfbiggan-train --init_generator=modules/biggan-deep-128 --dataset=folder:my_images \\
      --batch_size=16 --d_steps=1 --ema_start_step=0 --diff_augment=translation,cutout \\
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
from tfbiggan.configs.config import BigGANConfig, G_TRAINABLE, LOSSES
from tfbiggan.training.options import TrainOptions

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "digits-32",
                    f"A preset ({', '.join(list_configs())}) or a config JSON file (local or "
                    "gs://). With --init_generator and no --config: the source's config.")
flags.DEFINE_bool("dry_run", False, "Print the resolved config and options, then exit.")

# One flag per field of TrainOptions, with the field's default, help and lower bound or choices.
_DEFINE = {int: flags.DEFINE_integer, float: flags.DEFINE_float, bool: flags.DEFINE_bool}
for _field in dataclasses.fields(TrainOptions):
  _bound, _choices = _field.metadata["lower_bound"], _field.metadata["choices"]
  if _choices:
    flags.DEFINE_enum(_field.name, _field.default, _choices, _field.metadata["help"])
    continue
  _define = _DEFINE.get(_field.type, flags.DEFINE_string)
  _define(_field.name, _field.default, _field.metadata["help"],
          **({"lower_bound": _bound} if _bound is not None else {}))

# Recipe overrides of the config: None keeps the config's value.
_OVERRIDES = {
    "g_lr": (flags.DEFINE_float, "G learning rate."),
    "d_lr": (flags.DEFINE_float, "D learning rate."),
    "adam_beta1": (flags.DEFINE_float, "Adam beta1 (paper: 0)."),
    "adam_beta2": (flags.DEFINE_float, "Adam beta2 (paper: 0.999)."),
    "adam_epsilon": (flags.DEFINE_float, "Adam epsilon."),
    "d_steps": (flags.DEFINE_integer, "D steps per G step (paper: 2)."),
    "batch_size": (flags.DEFINE_integer, "Global batch size of each D and G step."),
    "ema_decay": (flags.DEFINE_float, "EMA decay of G (paper: 0.9999)."),
    "ema_start_step": (flags.DEFINE_integer, "Step before which the EMA copies G."),
    "ortho_reg": (flags.DEFINE_float, "Orthogonal regularisation beta (paper: 1e-4)."),
    "r1_gamma": (flags.DEFINE_float, "R1 penalty weight (0: off)."),
    "diff_augment": (flags.DEFINE_string, "DiffAugment policy, e.g. 'color,translation,cutout'."),
    "dataset": (flags.DEFINE_string, "digits, imagenet2012, imagenet_resized/32x32, "
                "imagenet_resized/64x64, cifar10, folder:/path (local or gs://), or a tfds "
                "name."),
    "num_classes": (flags.DEFINE_integer, "Number of classes of the data set."),
    "cross_replica_bn": (flags.DEFINE_bool, "Synchronise G's BN moments across replicas."),
    "lecam_weight": (flags.DEFINE_float, "LeCam regularisation weight for small data (Tseng "
                     "et al. 2021 use 0.3 for BigGAN; 0: off)."),
    "lecam_decay": (flags.DEFINE_float, "Decay of LeCam's moving averages (paper: 0.99)."),
    "freeze_d_blocks": (flags.DEFINE_integer, "FreezeD: D's first k blocks stay as they "
                        "started (Mo et al. 2020; with --init_discriminator)."),
    "mode_seeking_weight": (flags.DEFINE_float, "Mode-seeking regularisation of G for "
                            "diverse samples (Mao et al. 2019 use 1; 0: off)."),
    "d_accumulations": (flags.DEFINE_integer, "Gradient accumulation: each D update sums "
                        "the gradients of this many micro-batches of its batch, so a device "
                        "holds batch_size / (replicas * k) images at a time (1: off)."),
    "g_accumulations": (flags.DEFINE_integer, "The same for each G update."),
}
for _name, (_define, _help) in _OVERRIDES.items():
  _define(_name, None, _help + " Default: the config's.")
flags.DEFINE_enum("loss", None, LOSSES, "Adversarial loss (paper: hinge). Default: the "
                  "config's.")
flags.DEFINE_enum("g_trainable", None, G_TRAINABLE, "What G's optimizer updates: all, or "
                  "embedding_and_norms (the class embedding and BN gains and biases, Noguchi "
                  "& Harada 2019). Default: the config's.")
flags.DEFINE_list("truncation_grid", None, "Truncation values whose standing statistics the "
                  "EMA generator keeps, e.g. 0,0.25,0.5,0.75,1. Default: the config's.")


def fine_tuning_base():
  """(the `TrainedModel` of --init_generator or None, the base config or None) when the
  config comes from the source (--init_generator without --config). A run that already has
  a checkpoint resumes with its own config and never reads the source."""
  if not FLAGS.init_generator or FLAGS["config"].present:
    return None, None
  # pylint: disable=import-outside-toplevel
  from tfbiggan.run_dir import RunDir
  from tfbiggan.training.initial_weights import load_initial_generator
  if FLAGS.model_dir:
    run = RunDir(FLAGS.model_dir)
    if run.latest_checkpoint():
      return None, run.config()
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
  overrides = {name: FLAGS[name].value for name in list(_OVERRIDES) + ["loss", "g_trainable"]
               if FLAGS[name].value is not None}
  grid = common.float_list("truncation_grid", FLAGS.truncation_grid, 0.0, 1.0)
  if grid is not None:
    overrides["truncation_grid"] = tuple(grid)
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


def main(argv):
  del argv
  initial, base_config = fine_tuning_base()
  config = resolve_config(base_config)
  if FLAGS.dry_run:
    options = (dataclasses.asdict(resolve_options())
               if FLAGS.model_dir and FLAGS.steps is not None else None)
    print(json.dumps({"config": config.to_dict(), "options": options}, indent=2,
                     sort_keys=True))
    return 0
  options = resolve_options()
  from tfbiggan.training.loop import NonFiniteLossError, train  # pylint: disable=import-outside-toplevel
  try:
    result = train(config, options, initial_generator=initial)
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
