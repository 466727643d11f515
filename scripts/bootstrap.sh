#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies (requirements/dev.lock) plus Lookout itself
# in editable mode. Every download is hash-checked: the dependencies against the lock
# (--require-hashes: a lock line without a hash fails), the build backend that installs Lookout
# against requirements/build.lock. Safe to run again; uv makes a warm run take a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/uv" ]; then
  # uv itself, at the version the images use, hash-checked too.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes \
    --no-deps -r requirements/uv.lock
fi
# Bytecode compiled here, once: with PYTHONDONTWRITEBYTECODE set (as on the CI machines, and in
# the images, which compile at build time) every process would otherwise compile everything it
# imports from source at each start, which makes the master and the agent start several times
# slower.
"$VENV/bin/uv" pip sync --quiet --require-hashes --compile-bytecode --python "$VENV/bin/python" \
  requirements/dev.lock
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps \
  --build-constraints requirements/build.lock --require-build-hashes -e .
"$VENV/bin/python" -m compileall -q -j0 agent master metrics_daemon shared kubesim lookout_cli bench >/dev/null
