#!/usr/bin/env bash
# Regenerates shared/pb/ from proto/ (grpcio-tools + mypy-protobuf). Output is committed;
# scripts/check runs this into a temp dir and fails when it differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-shared/pb}
PY=${PYTHON:-.venv/bin/python}
export PATH="$(dirname "$PY"):$PATH"
rm -rf "$OUT/lookout"
mkdir -p "$OUT"
"$PY" -m grpc_tools.protoc -Iproto \
  --python_out="$OUT" --grpc_python_out="$OUT" \
  --mypy_out="$OUT" --mypy_grpc_out="$OUT" \
  proto/lookout/v1/*.proto
# protoc writes absolute imports rooted at proto/; the code lives under shared.pb.
find "$OUT/lookout" -name '*.py' -o -name '*.pyi' | while read -r f; do
  sed -i -E 's/^from lookout\.v1 import/from shared.pb.lookout.v1 import/; s/^import lookout\.v1\./import shared.pb.lookout.v1./' "$f"
done
touch "$OUT/__init__.py" "$OUT/lookout/__init__.py" "$OUT/lookout/v1/__init__.py"
