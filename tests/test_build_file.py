"""BUILD stays in sync with the tree and passes buildifier's format and lint checks."""

import glob
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY_DIRS = ("tfbiggan", "export", "tests", "benchmarks", "scripts")


def _build_text():
  with open(os.path.join(ROOT, "BUILD")) as f:
    return f.read()


def test_every_python_file_is_in_exactly_one_target():
  srcs = [name for block in re.findall(r"srcs = \[(.*?)\]", _build_text(), re.DOTALL)
          for name in re.findall(r'"([^"]+\.py)"', block)]
  duplicated = sorted({name for name in srcs if srcs.count(name) > 1})
  assert not duplicated, f"files in more than one target: {duplicated}"
  on_disk = sorted(os.path.relpath(p, ROOT) for d in PY_DIRS
                   for p in glob.glob(os.path.join(ROOT, d, "**", "*.py"), recursive=True))
  missing = sorted(set(on_disk) - set(srcs))
  assert not missing, f"add these files to a BUILD target: {missing}"
  stale = sorted(set(srcs) - set(on_disk))
  assert not stale, f"BUILD names files that do not exist: {stale}"


def test_every_test_file_has_a_py_test():
  tests = re.findall(r'py_test\(\s*name = "(\w+)"', _build_text())
  on_disk = sorted(os.path.basename(p)[:-3]
                   for p in glob.glob(os.path.join(ROOT, "tests", "test_*.py")))
  assert sorted(tests) == on_disk


def _buildifier():
  local = os.path.join(ROOT, "tools", "node_modules", ".bin", "buildifier")
  return local if os.path.exists(local) else shutil.which("buildifier")


@pytest.mark.skipif(_buildifier() is None,
                    reason="buildifier not installed (scripts/test.sh installs it with npm)")
def test_buildifier_format_and_lint():
  result = subprocess.run([_buildifier(), "-mode=check", "-lint=warn", "BUILD"], cwd=ROOT,
                          capture_output=True, text=True)
  assert result.returncode == 0, result.stdout + result.stderr
