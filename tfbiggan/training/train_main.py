"""tfbiggan-train: trains BigGAN / BigGAN-deep with a tf.distribute custom loop.

The strategy follows the machine: --tpu (TPUStrategy), TF_CONFIG (MultiWorkerMirrored), several
GPUs (Mirrored), else one device. Every recipe knob of the config can be overridden by its
flag; the resolved config is written to <model_dir>/config.json.

Examples:
  tfbiggan-train --config=digits-32 --model_dir=runs/digits --steps=2000
  tfbiggan-train --config=biggan-128 --tpu=local --data_dir=gs://bucket/tfds \\
      --model_dir=gs://bucket/runs/biggan128 --steps=250000 --mixed_precision
  tfbiggan-train --config=runs/digits/config.json --dry_run
A rerun with the same --model_dir resumes; --steps is the total to reach.
"""

import json
import os
import sys

from absl import app
from absl import flags
from absl import logging

from tfbiggan.configs import get_config, list_configs
from tfbiggan.configs.config import BigGANConfig, LOSSES

FLAGS = flags.FLAGS
flags.DEFINE_string("config", "digits-32",
                    f"A preset ({', '.join(list_configs())}) or a config JSON file.")
flags.DEFINE_string("model_dir", None, "The run's folder (checkpoints, summaries, samples).")
flags.DEFINE_integer("steps", None, "Total training steps to reach (a rerun continues).",
                     lower_bound=0)
flags.DEFINE_integer("steps_per_loop", 100, "Steps per tf.function call.", lower_bound=1)
flags.DEFINE_integer("checkpoint_every", 1000, "Steps between checkpoints.", lower_bound=1)
flags.DEFINE_integer("keep_checkpoints", 5, "Checkpoints kept.", lower_bound=1)
flags.DEFINE_integer("summary_every", 1000, "Steps between sample grids and singular-value "
                     "summaries.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of noise and data order.")
flags.DEFINE_bool("mixed_precision", False, "bfloat16 compute with float32 weights.")
flags.DEFINE_bool("xla", False, "Compile the per-replica step with XLA.")
flags.DEFINE_string("tpu", None, "TPU name or address ('local' on a TPU VM, '' on Colab).")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data_dir.")
flags.DEFINE_string("manual_dir", None, "tensorflow-datasets manual_dir (ImageNet's tars).")
flags.DEFINE_bool("download", False, "Let tensorflow-datasets download and prepare the data.")
flags.DEFINE_string("split", "train", "Data split to train on.")
flags.DEFINE_integer("standing_stats_batches", 16, "Batches of standing statistics baked "
                     "into the EMA generator after the last step (0: none).", lower_bound=0)
flags.DEFINE_bool("dry_run", False, "Print the resolved config and options, then exit.")

flags.DEFINE_integer("eval_every", 0, "Steps between evaluations of the EMA generator (IS, "
                     "FID, KID, precision / recall, TensorBoard eval/*); 0: none.",
                     lower_bound=0)
flags.DEFINE_integer("eval_samples", 10000, "Generated samples per evaluation.",
                     lower_bound=20)
flags.DEFINE_string("eval_classifier", "inception", "Classifier of the evaluations: "
                    "'inception' (TF-GAN's, from TF-Hub), 'digits', or a SavedModel path.")

# Recipe overrides: None keeps the config's value.
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
                "imagenet_resized/64x64, cifar10, folder:/path, or a tfds name."),
    "num_classes": (flags.DEFINE_integer, "Number of classes of the data set."),
    "cross_replica_bn": (flags.DEFINE_bool, "Synchronise G's BN moments across replicas."),
}
for _name, (_define, _help) in _OVERRIDES.items():
  _define(_name, None, _help)
flags.DEFINE_enum("loss", None, LOSSES, "Adversarial loss (paper: hinge).")
flags.DEFINE_list("truncation_grid", None, "Truncation values whose standing statistics the "
                  "EMA generator keeps, e.g. 0,0.02,...,1.")


def resolve_config():
  """The config named by --config with the recipe flags applied (UsageError if invalid)."""
  overrides = {name: FLAGS[name].value for name in list(_OVERRIDES) + ["loss"]
               if FLAGS[name].value is not None}
  if FLAGS.truncation_grid is not None:
    try:
      overrides["truncation_grid"] = tuple(float(v) for v in FLAGS.truncation_grid)
    except ValueError:
      raise app.UsageError(f"--truncation_grid must be numbers, got {FLAGS.truncation_grid}")
  try:
    if FLAGS.config.endswith(".json") or os.path.sep in FLAGS.config:
      if not os.path.exists(FLAGS.config):
        raise ValueError(f"config file {FLAGS.config!r} does not exist")
      with open(FLAGS.config) as f:
        base = BigGANConfig.from_dict(json.load(f))
    else:
      base = FLAGS.config
    return get_config(base, **overrides)
  except (ValueError, TypeError, json.JSONDecodeError) as error:
    raise app.UsageError(f"invalid config: {error}")


def resolve_options():
  from tfbiggan.training.loop import TrainOptions  # pylint: disable=import-outside-toplevel
  if not FLAGS.model_dir:
    raise app.UsageError("--model_dir is required (the run's folder)")
  if FLAGS.steps is None:
    raise app.UsageError("--steps is required (the total number of steps to reach)")
  return TrainOptions(
      model_dir=FLAGS.model_dir, steps=FLAGS.steps, steps_per_loop=FLAGS.steps_per_loop,
      checkpoint_every=FLAGS.checkpoint_every, keep_checkpoints=FLAGS.keep_checkpoints,
      summary_every=FLAGS.summary_every, seed=FLAGS.seed,
      mixed_precision=FLAGS.mixed_precision, xla=FLAGS.xla, data_dir=FLAGS.data_dir,
      manual_dir=FLAGS.manual_dir, download=FLAGS.download, split=FLAGS.split,
      standing_stats_batches=FLAGS.standing_stats_batches, tpu=FLAGS.tpu,
      eval_every=FLAGS.eval_every, eval_samples=FLAGS.eval_samples,
      eval_classifier=FLAGS.eval_classifier)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  config = resolve_config()
  if FLAGS.dry_run:
    import dataclasses  # pylint: disable=import-outside-toplevel
    print(json.dumps({"config": config.to_dict(),
                      "options": dataclasses.asdict(resolve_options()) if FLAGS.model_dir
                      and FLAGS.steps is not None else None}, indent=2, sort_keys=True))
    return 0
  options = resolve_options()
  from tfbiggan.training.loop import NonFiniteLossError, train  # pylint: disable=import-outside-toplevel
  try:
    result = train(config, options)
  except (ValueError, FileNotFoundError) as error:
    print(f"tfbiggan-train: error: {error}", file=sys.stderr)
    return 2
  except NonFiniteLossError as error:
    print(f"tfbiggan-train: stopped: {error}", file=sys.stderr)
    return 3
  logging.info("finished at step %d (%s)", result["step"], result["stopped"])
  return 0


def run():
  """Console-script entry point."""
  app.run(main)


if __name__ == "__main__":
  run()
