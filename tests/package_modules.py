"""The modules of the two packages, for the tests that read every source file."""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _modules():
  """{dotted module name: path} of tfbiggan and tfbiggan_export (the export/ folder)."""
  found = {}
  for package, folder in (("tfbiggan", "tfbiggan"), ("tfbiggan_export", "export")):
    for dirpath, _, names in os.walk(os.path.join(ROOT, folder)):
      for name in names:
        if name.endswith(".py"):
          relative = os.path.relpath(os.path.join(dirpath, name), os.path.join(ROOT, folder))
          parts = [package] + relative[:-3].split(os.sep)
          if parts[-1] == "__init__":
            parts.pop()
          found[".".join(parts)] = os.path.join(dirpath, name)
  return found


MODULES = _modules()
