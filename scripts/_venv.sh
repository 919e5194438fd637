# Sourced by scripts/demo.sh and scripts/test.sh: makes .venv with the package installed.
# Reinstalls only when setup.py changed (a stamp keeps its hash). Needs only python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"
STAMP="$VENV/.tfbiggan-installed${EXTRAS:+-$EXTRAS}"
HASH="$(python3 -c 'import hashlib,sys;print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$ROOT/setup.py")"
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV ..."
  python3 -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  echo "Installing tfbiggan${EXTRAS:+[$EXTRAS]} and its requirements into $VENV (first run: a few minutes) ..."
  "$VENV/bin/python" -m pip install --quiet --upgrade pip "setuptools<82" wheel
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT${EXTRAS:+[$EXTRAS]}"
  echo "$HASH" > "$STAMP"
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
PY="$VENV/bin/python"
