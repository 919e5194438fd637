#!/usr/bin/env bash
# The test suite: installs tfbiggan[test] into .venv, buildifier (npm) into tools/ and, where
# apt can, Debian's chromium (for the explorer's browser test), then runs pytest on every core
# (pytest-xdist, a test file per worker so that its fixtures are built once; the slowest files
# first, tests/conftest.py) and lists the 30 slowest tests. Extra arguments go to pytest (e.g.
# -k spectral, --run-slow, -n 0 for one process).
set -euo pipefail
source "$(dirname "$0")/_venv.sh" "test"
cd "$ROOT"
if command -v npm >/dev/null 2>&1 && [ ! -x tools/node_modules/.bin/buildifier ]; then
  echo "Installing buildifier (npm @bazel/buildifier) into tools/ ..."
  (cd tools && npm install --silent --no-audit --no-fund >/dev/null) \
    || echo "warning: could not install buildifier; the BUILD lint test will be skipped"
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  # The explorer's page is tested in the system's chromium (playwright never downloads one).
  SUDO=""; [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
    echo "Installing chromium (apt) for the explorer's browser test ..."
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q chromium >/dev/null 2>&1; } \
      || echo "warning: could not install chromium; the explorer's browser test will be skipped"
  else
    echo "warning: no chromium (apt install chromium); the explorer's browser test will be skipped"
  fi
fi
exec "$PY" -m pytest -n logical --dist loadfile --no-loadscope-reorder --durations=30 "$@"
