#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies (requirements/dev.lock) plus Lookout itself
# in editable mode. Safe to run again; uv makes a warm run take a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/uv" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv
fi
"$VENV/bin/uv" pip sync --quiet --python "$VENV/bin/python" requirements/dev.lock
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e .
