# Sourced by scripts/demo.sh, scripts/test.sh and scripts/test_oldest.sh: makes a venv with the
# package installed. Reinstalls only when setup.py (or the constraints) changed: a stamp keeps
# their hash. Needs only python3. Arguments: the extras ("" for none), then optionally a pip
# constraints file and the venv's folder (default .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
CONSTRAINTS="${2:-}"
VENV="${3:-$ROOT/.venv}"
STAMP="$VENV/.tfbiggan-installed${EXTRAS:+-$EXTRAS}"
HASH="$(cat "$ROOT/setup.py" ${CONSTRAINTS:+"$CONSTRAINTS"} | python3 -c 'import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV ..."
  python3 -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  echo "Installing tfbiggan${EXTRAS:+[$EXTRAS]} and its requirements into $VENV${CONSTRAINTS:+ (versions of $CONSTRAINTS)} (first run: a few minutes) ..."
  "$VENV/bin/python" -m pip install --quiet --upgrade pip "setuptools<82" wheel
  "$VENV/bin/python" -m pip install --quiet ${CONSTRAINTS:+-c "$CONSTRAINTS"} \
    -e "$ROOT${EXTRAS:+[$EXTRAS]}"
  echo "$HASH" > "$STAMP"
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
PY="$VENV/bin/python"
