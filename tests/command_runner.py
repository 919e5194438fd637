"""Runs a tfbiggan command in the test's own process, as its console script would run it.

A command's `run()` is called with `sys.argv = ["tfbiggan-<name>", *args]`: absl parses the
flags, `tfbiggan.cli.common.run_command` turns errors into its one line and exit status, and
the result looks like `subprocess.run`'s (returncode, stdout, stderr). This skips the ~5 s
TensorFlow import of a new process, so error paths and small runs are checked in-process;
the real process (pip's wrapper, the start-up noise filter, signals) keeps its own tests
(test_cli.py, test_train_loop.py).

Every command defines its flags in absl's global FLAGS at import, and several share names
(--module): before a command runs, the flags of the commands imported earlier are removed
and its module is imported anew, so each run sees only its own flags, at their defaults.
"""

import contextlib
import dataclasses
import importlib
import io
import logging
import os
import sys

from absl import flags
from absl import logging as absl_logging

FLAGS = flags.FLAGS
_PACKAGE = "tfbiggan.cli."
_SHARED = ("tfbiggan.cli.common",)


@dataclasses.dataclass
class CommandResult:
  returncode: int
  stdout: str
  stderr: str


def _fresh_command_module(module):
  for name in [m for m in sys.modules if m.startswith(_PACKAGE) and m not in _SHARED]:
    for flag in FLAGS.get_flags_for_module(name):
      if flag.name in FLAGS:
        delattr(FLAGS, flag.name)
    del sys.modules[name]
  return importlib.import_module(_PACKAGE + module)


def run_in_process(module, *args, command=None, cwd=None):
  """Runs `tfbiggan.cli.<module>`'s console script with `args`; returns a CommandResult.

  command: argv[0] (default "tfbiggan-<module>"); cwd: the working folder of the run.
  """
  cli = _fresh_command_module(module)
  stdout, stderr = io.StringIO(), io.StringIO()
  # --verbosity=0: INFO lines, as a new process logs them (here pytest's logging set-up
  # would decide otherwise).
  argv = [command or f"tfbiggan-{module}", "--verbosity=0", *map(str, args)]
  saved_argv = sys.argv
  handler = absl_logging.get_absl_handler().python_handler
  saved_stream, saved_level = handler.stream, logging.root.level
  saved_cwd = os.getcwd()
  code = 0
  try:
    if cwd is not None:
      os.chdir(cwd)
    sys.argv = argv
    # absl's log lines (progress, "resumed from ..."), at INFO as in a new process (pytest
    # sets the root logger's level, which absl's default verbosity follows).
    handler.stream = stderr
    logging.root.setLevel(logging.INFO)
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
      try:
        cli.run()
      except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
  finally:
    os.chdir(saved_cwd)
    sys.argv = saved_argv
    handler.stream = saved_stream
    logging.root.setLevel(saved_level)
    FLAGS.unparse_flags()
  return CommandResult(code, stdout.getvalue(), stderr.getvalue())
