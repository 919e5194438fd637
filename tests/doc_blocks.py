"""The runnable examples of the user pages: fenced `bash` and `python` blocks of README.md and
docs/*.md, and the commands of each command's --help "Examples:".

A block that cannot run in a test (it installs packages) carries a marker on the line before
its fence, with the reason:

    <!-- not run by the docs test: installs packages -->
    ```bash
    python3 -m pip install -e .
    ```

and so does one command of a block, or of a --help's examples, in its trailing comment:

    tfbiggan-train --config=biggan-128 --tpu=local ...  # a TPU VM (not run by the docs test)
"""

import ast
import dataclasses
import glob
import os
import re
import shlex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ["README.md"] + sorted(os.path.relpath(p, ROOT)
                               for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
RUNNABLE = ("bash", "python")
MARKER = re.compile(r"<!--\s*not run by the docs test:\s*(?P<reason>.*?)\s*-->")
COMMAND_MARKER = re.compile(r"#\s*(?P<reason>[^#]*?)\s*\(not run by the docs test\)\s*$")
_FENCE = re.compile(r"^```(?P<language>\w*)[^\n]*\n(?P<code>.*?)^```", re.MULTILINE | re.DOTALL)


@dataclasses.dataclass(frozen=True)
class Block:
  """A code example: where it is (`source`: a page or a command module, `line`: 1-based),
  its `language` ("bash" or "python"), its `code`, and the `not_run` reason of its marker
  (None: the test runs it)."""
  source: str
  line: int
  language: str
  code: str
  not_run: str = None

  @property
  def name(self):
    return f"{self.source}:{self.line}"


def page_blocks(page):
  """The bash and python blocks of `page` (relative to the repository), in order."""
  with open(os.path.join(ROOT, page), encoding="utf-8") as f:
    text = f.read()
  blocks = []
  for match in _FENCE.finditer(text):
    if match.group("language") not in RUNNABLE:
      continue
    before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
    marker = MARKER.search(before)
    blocks.append(Block(page, text.count("\n", 0, match.start()) + 1, match.group("language"),
                        match.group("code"), marker.group("reason") if marker else None))
  return blocks


def help_examples(command_module):
  """The "Examples:" commands of a command's docstring (its --help) as one bash block."""
  path = os.path.join(ROOT, *command_module.split(".")) + ".py"
  with open(path, encoding="utf-8") as f:
    docstring = ast.get_docstring(ast.parse(f.read())) or ""
  lines, start = docstring.splitlines(), None
  for i, line in enumerate(lines):
    if line.startswith("Example"):
      start = i + 1
      break
  if start is None:
    return None
  commands = [line for line in lines[start:] if line.startswith("  ")]
  return Block(os.path.relpath(path, ROOT), start + 1, "bash", "\n".join(commands) + "\n")


def bash_commands(code):
  """The commands of a bash block: [(argv, the reason it is not run or None)], continuation
  lines joined, comments dropped."""
  commands = []
  for line in re.sub(r"\\\n", " ", code).splitlines():
    argv = shlex.split(line, comments=True)
    if argv:
      marker = COMMAND_MARKER.search(line)
      commands.append((argv, marker.group("reason") if marker else None))
  return commands
