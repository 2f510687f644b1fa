#!/usr/bin/env bash
# Create .venv with the python3 on PATH, install the pinned, hash-checked versions of
# requirements.lock (made by `make lock`: uv pip compile --universal --generate-hashes,
# one lock for every supported Python), then evalkit itself (editable), and register the
# Jupyter kernel "evalkit" inside the venv. Called by `make`; re-running is a no-op unless
# pyproject.toml, requirements.lock or this script changed (the Makefile's stamp decides).
#
# When the lock cannot be installed with this Python (say a newer Python than the lock
# knows, without wheels for a pinned version), it says so loudly and installs the newest
# versions pyproject.toml's ranges allow instead; reports then record the versions used
# ("Om rapporten", results.json), and a rerun warns when they differ.
set -euo pipefail
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
LOCK=${LOCK:-requirements.lock}

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "evalkit: $PY not found. Install Python 3.10 or newer and run make again." >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "evalkit: the venv module is missing; installing python3-venv with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
      "$PY" -m venv "$VENV"
    else
      echo "evalkit: '$PY -m venv' failed. On Debian/Ubuntu run: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi

PYVER=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$VENV/bin/python" -m pip install --quiet --upgrade pip
rm -f "$VENV/.evalkit-lock"
locked=0
if [ -f "$LOCK" ] && "$VENV/bin/python" -m pip install --quiet --require-hashes -r "$LOCK"; then
  "$VENV/bin/python" -m pip install --quiet --no-deps -e .
  # A dependency added to pyproject.toml without `make lock` is not in the lock.
  if missing=$("$VENV/bin/python" -m pip check 2>&1); then
    locked=1
  else
    {
      echo "evalkit: WARNING: $LOCK does not cover pyproject.toml; run 'make lock' and commit it:"
      echo "$missing" | sed 's/^/evalkit: WARNING:   /'
    } >&2
  fi
fi
if [ "$locked" = 1 ]; then
  "$VENV/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
    "$LOCK" > "$VENV/.evalkit-lock"
  installed="the pinned versions of $LOCK"
else
  {
    echo "evalkit: WARNING: could not install the pinned versions of $LOCK with Python $PYVER."
    echo "evalkit: WARNING: installing the newest versions that pyproject.toml allows instead;"
    echo "evalkit: WARNING: numbers and reports may differ from ones made with the lock."
    echo "evalkit: WARNING: use a Python the lock supports (3.10 or newer, see its markers), or run 'make lock'."
  } >&2
  "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
  installed="the version ranges of pyproject.toml (NOT the lock)"
fi
"$VENV/bin/python" -m ipykernel install --sys-prefix --name evalkit --display-name "Python (evalkit)" >/dev/null
echo "evalkit: environment ready in $VENV with Python $PYVER and $installed (kernel 'evalkit' registered)"
