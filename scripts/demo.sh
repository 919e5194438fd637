#!/usr/bin/env bash
# The main job on the embedded default: see README.md. Extra arguments go to tfbiggan-demo.
set -euo pipefail
source "$(dirname "$0")/_venv.sh" ""
cd "$ROOT"
exec "$PY" -m tfbiggan.cli.demo "$@"
