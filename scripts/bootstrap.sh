#!/usr/bin/env bash
# Create .venv with the python3 on PATH, install evalkit (editable, with the dev extra)
# and register the Jupyter kernel "evalkit" inside the venv. Called by `make`; re-running
# is a no-op unless pyproject.toml changed (the Makefile's stamp file decides).
set -euo pipefail
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}

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

"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e '.[dev]'
"$VENV/bin/python" -m ipykernel install --sys-prefix --name evalkit --display-name "Python (evalkit)" >/dev/null
echo "evalkit: environment ready in $VENV (kernel 'evalkit' registered)"
