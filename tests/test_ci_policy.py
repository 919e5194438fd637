"""Under CI=true a skipped test fails (conftest.py), except the slow tier: a missing test
dependency or tool must not let CI pass with a check silently off."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.smoke  # Also run on the lowest supported versions.

_TESTS = '''
import pytest

def test_needs_a_missing_module():
  pytest.importorskip("no_such_module_for_tfbiggan")

@pytest.mark.slow
def test_slow():
  pass
'''


@pytest.mark.parametrize("ci, outcome", [("true", "1 failed, 1 skipped"), ("", "2 skipped")])
def test_skips_fail_under_ci_but_the_slow_tier(tmp_path, ci, outcome):
  (tmp_path / "conftest.py").write_text(
      open(os.path.join(ROOT, "tests", "conftest.py"), encoding="utf-8").read())
  (tmp_path / "test_policy.py").write_text(_TESTS)
  result = subprocess.run(
      [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
      cwd=tmp_path, capture_output=True, text=True, timeout=300,
      env=dict(os.environ, CI=ci, TF_CPP_MIN_LOG_LEVEL="2"))
  assert outcome in result.stdout, result.stdout[-2000:]
  if ci:
    assert "skipped under CI=true" in result.stdout
