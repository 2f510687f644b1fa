#!/usr/bin/env bash
# `make lab`: JupyterLab on notebooks/ with the evalkit kernel. As root (a container, a
# CI machine) it adds --allow-root instead of stopping; without a display it opens no
# browser. It prints the URL with its token itself, so the link is there to copy even
# when Jupyter's own log scrolls past.
set -euo pipefail
VENV=${VENV:-.venv}
JUPYTER=${JUPYTER:-$VENV/bin/jupyter}
PORT=${PORT:-$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}
TOKEN=${EVALKIT_LAB_TOKEN:-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')}
args=(lab --notebook-dir=notebooks --ip=127.0.0.1 --port="$PORT" --IdentityProvider.token="$TOKEN")
if [ "$(id -u)" = "0" ]; then
  args+=(--allow-root)
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" != "Darwin" ]; then
  args+=(--no-browser)
fi
echo "evalkit: JupyterLab at http://127.0.0.1:$PORT/lab?token=$TOKEN"
echo "evalkit: token $TOKEN (stop with Ctrl-C)"
exec "$JUPYTER" "${args[@]}"
