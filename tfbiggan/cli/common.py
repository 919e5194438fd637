"""What every tfbiggan command shares: `--help` that lists the command's own flags, a quiet
TensorFlow start, list flags parsed one way, and one error tail.

A command module defines its absl flags at import and a `main(argv)`; its console-script
function is `run_command(main, "tfbiggan-<name>", __name__)`. Then:
  * `--help` prints the module's docstring and its flags (absl only lists the flags of the
    `__main__` module, which for a console script is pip's wrapper, so the command's flags
    are declared key flags of it here);
  * TensorFlow's C++ start-up lines (oneDNN, CUDA probing, "All log messages before
    absl::InitializeLog()") are dropped when it is imported, unless the user asked for
    them with `--verbosity=1` or more or with TF_CPP_MIN_LOG_LEVEL=0; its warnings and
    errors still pass (TF 2.20+ prints these lines before its log level is read, so they
    are filtered out of what the import writes to stderr). TensorFlow's own Python info
    lines are silenced the same way;
  * a `UserError` (or ValueError / OSError / ImportError from the library) ends the
    command with one line, "tfbiggan-<name>: error: ...", and exit status 2; a `UsageError`
    is absl's: the message and a pointer to --help, status 1.
"""

import contextlib
import logging
import os
import re
import sys
import tempfile

from absl import app
from absl import flags
from absl import logging as absl_logging

from tfbiggan.training.precision import PRECISIONS

FLAGS = flags.FLAGS

# Lines of TensorFlow's C++ start-up that say nothing to a user of the command.
# Errors about a missing CUDA driver or TensorRT only say that this machine has no GPU (and
# TF 2.16's "Unable to register cuDNN factory" lines are a known TensorFlow bug at import).
_STARTUP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    r"STDERR|I\d{4} [\d:. ]+\S+ \S+\] .*|\S+ \S+: I \S+\] .*"
    r"|E\d{4} [\d:. ]+\S+ cuda\S*\] failed call to cuInit.*"
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate .*"
    r"|\S+ \S+: E \S+\] Unable to register cu\w+ factory: .*"
    r"|\S+ \S+: W \S+\] TF-TRT Warning: Could not find TensorRT)$")


_HELP_FLAGS = ("--help", "-help", "-h", "-?", "--helpshort", "--helpfull", "--helpxml")


class UserError(Exception):
  """Bad input that the user can fix: the message names the problem and the fix."""


MODULE_HELP = ("The module: a short name (biggan-deep-128; downloaded and converted once, into "
               "the cache), a TF-Hub URL, a Kaggle handle, an official module's folder or "
               ".tar.gz, or a folder written by tfbiggan-export or tfbiggan-convert "
               "(docs/pretrained.md).")

# --precision of the commands that sample (`tfbiggan.modules.module_precision`).
SAMPLING_PRECISIONS = PRECISIONS
PRECISION_HELP = ("Sampling arithmetic: float32 (the module's own), bfloat16 (bfloat16 products; "
                  "weights, BN statistics and images float32: faster on CPUs with AMX or "
                  "AVX512-BF16 and on recent GPUs), float16 (the same, for GPUs without "
                  "bfloat16 units), or auto (bfloat16 on a GPU of compute capability 8.0 or "
                  "more and on a CPU with AMX or AVX512-BF16, else float32). The image "
                  "difference: docs/benchmarks.md.")


def _drop_tensorflow_info(record):
  """absl handler filter: False for info lines that TensorFlow's own modules log."""
  return record.levelno > logging.INFO or f"{os.sep}tensorflow{os.sep}" not in record.pathname


def import_tensorflow_quietly():
  """Imports TensorFlow with its C++ start-up info lines dropped (see the module docstring).

  Returns: the tensorflow module.
  """
  if "tensorflow" in sys.modules:
    return sys.modules["tensorflow"]
  verbose = FLAGS.is_parsed() and FLAGS["verbosity"].value >= 1
  if not verbose:  # TensorFlow's Python-side info lines (checkpoint sharding timings, ...).
    logging.getLogger("tensorflow").setLevel(logging.WARNING)
    absl_logging.get_absl_handler().addFilter(_drop_tensorflow_info)
  if verbose or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
    import tensorflow  # pylint: disable=import-outside-toplevel
    return tensorflow
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  sys.stderr.flush()
  saved = os.dup(2)
  with tempfile.TemporaryFile(mode="w+b") as captured:
    os.dup2(captured.fileno(), 2)
    try:
      import tensorflow  # pylint: disable=import-outside-toplevel
      tensorflow.config.list_physical_devices()  # Device probing logs now, not later.
    finally:
      os.dup2(saved, 2)
      os.close(saved)
      captured.seek(0)
      lines = captured.read().decode("utf-8", "replace").splitlines()
      kept = [line for line in lines if not _STARTUP_NOISE.match(line)]
      if kept:
        sys.stderr.write("\n".join(kept) + "\n")
  return tensorflow


def float_list(flag_name, values, low=None, high=None, allow_empty=False):
  """The floats of a list flag (`flags.DEFINE_list`), checked to lie in [low, high].

  Raises:
    app.UsageError: a value that is not a number or out of range, naming --flag_name.
  """
  if values is None:
    return None
  try:
    numbers = [float(value) for value in values]
  except ValueError:
    raise app.UsageError(f"--{flag_name} must be comma-separated numbers, got "
                         f"{','.join(values)}") from None
  if not numbers and not allow_empty:
    raise app.UsageError(f"--{flag_name} must list at least one number")
  outside = [n for n in numbers if (low is not None and n < low)
             or (high is not None and n > high)]
  if outside:
    bounds = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
    raise app.UsageError(f"--{flag_name} must lie in {bounds}, got {','.join(values)}")
  return numbers


@contextlib.contextmanager
def nothing_written_to(output):
  """Turns the library's ValueError / OSError into a `UserError` that adds that nothing was
  written to `output` (exports and conversions are atomic)."""
  try:
    yield
  except (ValueError, OSError) as error:
    raise UserError(f"{error}; nothing was written to {output}") from None


def load_module(strategy=None, tfbiggan_only=True, rebuild=False):
  """The command's --module, loaded (`load_generator_module`), sampling in its --precision
  (`module_in_precision`, which takes `rebuild`)."""
  # pylint: disable=import-outside-toplevel
  from tfbiggan.modules.generator_module import load_generator_module
  from tfbiggan.modules.module_precision import module_in_precision
  module = load_generator_module(FLAGS.module, strategy, tfbiggan_only)
  return module_in_precision(module, FLAGS.precision, strategy, f"--module={FLAGS.module}",
                             rebuild)


def require(*names):
  """Raises app.UsageError for the first of the flags `names` that has no value."""
  for name in names:
    if FLAGS[name].value in (None, "", []):
      raise app.UsageError(f"--{name} is required ({FLAGS[name].help})")


def no_positional_arguments(argv):
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])} (flags are written "
                         "--name=value)")


def declare_help(module_name):
  """Makes `--help` show the docstring and flags of `module_name` (see the module docstring).
  """
  if module_name == "__main__":  # `python -m`: absl already knows the flags as __main__'s.
    return
  module = sys.modules[module_name]
  main_name = sys.argv[0] if sys.argv and sys.argv[0] else module_name
  for flag in FLAGS.get_flags_for_module(module_name):
    FLAGS.register_key_flag_for_module(main_name, flag)
  main = sys.modules.get("__main__")
  if main is not None and main is not module and module.__doc__:
    main.__doc__ = module.__doc__


def run_command(main, name, module_name):
  """Runs `main(argv)` as the command `name` ("tfbiggan-train") whose flags are defined in
  `module_name` (see the module docstring)."""
  declare_help(module_name)

  def guarded_main(argv):
    no_positional_arguments(argv)
    tf = import_tensorflow_quietly()
    try:
      return main(argv)
    except (UserError, ValueError, OSError, ImportError, tf.errors.NotFoundError,
            tf.errors.PermissionDeniedError) as error:
      print(f"{name}: error: {error}", file=sys.stderr)
      return 2

  asks_help = any(arg.split("=")[0] in _HELP_FLAGS for arg in sys.argv[1:])
  try:
    app.run(guarded_main)
  except SystemExit as exit_:
    # absl ends --help with status 1; asking for help is not a failure.
    if asks_help and exit_.code == 1:
      sys.exit(0)
    raise
