# Sourced by scripts/demo.sh, scripts/test.sh and scripts/test_oldest.sh: makes a venv with the
# package installed. Needs only python3. Arguments: the extras ("" for none), then optionally
# a pip constraints file and the venv's folder (default .venv).
#
# The venv is keyed by everything that decides its contents: this script, setup.py, the
# constraints, the extras, the Python version and the machine. In the clone (the default) a
# stamp keeps that key, and the venv is reinstalled when it changes. With TFBIGGAN_VENV_CACHE
# set to a folder (.ci/run sets it), the venv lives there under its key instead and is
# shared by every clone on the machine: it is built once, from nothing, with its package list
# recorded; a later run reuses it only if `pip check` passes and `pip freeze` still equals
# that list (else it is built again), then points its editable install at this clone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXTRAS="${1:-}"
CONSTRAINTS="${2:-}"
VENV="${3:-$ROOT/.venv}"
KEY="$( { cat "${BASH_SOURCE[0]}" "$ROOT/setup.py" ${CONSTRAINTS:+"$CONSTRAINTS"};
          echo "extras=$EXTRAS"; python3 -VV; uname -m; } \
        | python3 -c 'import hashlib,sys;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])')"

_install() {  # $1: the venv folder; installs the package (editable) and its requirements.
  "$1/bin/python" -m pip install --quiet --upgrade pip "setuptools<82" wheel
  "$1/bin/python" -m pip install --quiet ${CONSTRAINTS:+-c "$CONSTRAINTS"} \
    -e "$ROOT${EXTRAS:+[$EXTRAS]}"
}

if [ -n "${TFBIGGAN_VENV_CACHE:-}" ]; then
  VENV="$TFBIGGAN_VENV_CACHE/$(basename "$VENV")-${EXTRAS:-core}-$KEY"
  LOCK_LIST="$VENV/.tfbiggan-packages.txt"
  mkdir -p "$TFBIGGAN_VENV_CACHE"
  exec 9>"$VENV.lock"
  flock 9  # Two runs on one machine: one builds, the other waits and reuses.
  if [ -f "$LOCK_LIST" ] && "$VENV/bin/python" -m pip check >/dev/null 2>&1 \
      && [ "$("$VENV/bin/python" -m pip freeze --exclude-editable)" = "$(cat "$LOCK_LIST")" ]; then
    echo "Reusing $VENV (pip check passed; its packages are the recorded ones)"
    "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e "$ROOT"
  else
    echo "Building $VENV from nothing (first run: a few minutes) ..."
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    _install "$VENV"
    "$VENV/bin/python" -m pip check
    "$VENV/bin/python" -m pip freeze --exclude-editable > "$LOCK_LIST"
  fi
  exec 9>&-
else
  STAMP="$VENV/.tfbiggan-installed${EXTRAS:+-$EXTRAS}"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV ..."
    python3 -m venv "$VENV"
  fi
  if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$KEY" ]; then
    echo "Installing tfbiggan${EXTRAS:+[$EXTRAS]} and its requirements into $VENV${CONSTRAINTS:+ (versions of $CONSTRAINTS)} (first run: a few minutes) ..."
    _install "$VENV"
    echo "$KEY" > "$STAMP"
  fi
fi
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
PY="$VENV/bin/python"
