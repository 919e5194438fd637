#!/usr/bin/env bash
# The test suite: installs tfbiggan[test] into .venv and buildifier (npm) into tools/, then
# runs pytest. Extra arguments go to pytest (e.g. -k spectral, --run-slow).
set -euo pipefail
source "$(dirname "$0")/_venv.sh" "test"
cd "$ROOT"
if command -v npm >/dev/null 2>&1 && [ ! -x tools/node_modules/.bin/buildifier ]; then
  echo "Installing buildifier (npm @bazel/buildifier) into tools/ ..."
  (cd tools && npm install --silent --no-audit --no-fund >/dev/null) \
    || echo "warning: could not install buildifier; the BUILD lint test will be skipped"
fi
exec "$PY" -m pytest "$@"
