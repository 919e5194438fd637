#!/usr/bin/env bash
# The smoke tests (pytest -m smoke: models, a few training steps, the export round trip, the
# converter, runs on a bucket, the commands) on the lowest versions tfbiggan supports
# (.ci/oldest-constraints.txt), in their own venv .venv-oldest. Extra arguments go to pytest.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/_venv.sh" "smoke" "$HERE/../.ci/oldest-constraints.txt" "$HERE/../.venv-oldest"
cd "$ROOT"
"$PY" -c 'import tensorflow as tf, keras; print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}")'
exec "$PY" -m pytest -m smoke -n logical --dist loadfile --durations=30 "$@"
