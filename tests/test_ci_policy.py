"""Under CI=true a skipped test fails (conftest.py), except the slow tier, and so does a file
skipped while it is collected: a missing test dependency or tool must not let CI pass with a
check silently off."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.

_SKIPPED_FILE = '''
import pytest

pytest.importorskip("no_such_module_for_tfbiggan")


def test_never_collected():
  pass
'''

_TESTS = '''
import pytest

def test_needs_a_missing_module():
  pytest.importorskip("no_such_module_for_tfbiggan")

@pytest.mark.slow
def test_slow():
  pass
'''


@pytest.mark.parametrize("ci, files, outcome", [
    ("true", {"test_policy.py": _TESTS}, "1 failed, 1 skipped"),
    ("true", {"test_skipped_file.py": _SKIPPED_FILE}, "1 error"),
    ("", {"test_policy.py": _TESTS, "test_skipped_file.py": _SKIPPED_FILE}, "3 skipped")])
def test_skips_fail_under_ci_but_the_slow_tier(tmp_path, ci, files, outcome):
  (tmp_path / "conftest.py").write_text(
      open(os.path.join(ROOT, "tests", "conftest.py"), encoding="utf-8").read())
  for name, text in files.items():
    (tmp_path / name).write_text(text)
  result = subprocess.run(
      [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
      cwd=tmp_path, capture_output=True, text=True, timeout=300,
      env=dict(os.environ, CI=ci, TF_CPP_MIN_LOG_LEVEL="2"))
  assert outcome in result.stdout, result.stdout[-2000:]
  if ci:
    assert "skipped under CI=true" in result.stdout
