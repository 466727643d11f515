#!/usr/bin/env bash
# Regenerates the dashboard's API types from the master's OpenAPI, without running a server:
# the app is built in-process and asked for its schema. Both outputs are committed, and
# `npm run check:api` fails when schema.d.ts no longer matches openapi.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
if [ ! -x "$python" ]; then echo "gen-api-types: no $python (run make setup, or set PYTHON)" >&2; exit 1; fi
out="${1:-dashboard/openapi.json}"  # scripts/check writes elsewhere to compare
cd "$root"
"$python" -c "import json; from master.gateway.app import create_app; from master.gateway.state import GatewayState; from master.datahub.hub import DataHub; print(json.dumps(create_app(state=GatewayState(hub=DataHub(reconnecting_after_s=5, offline_after_s=30), api_token='')).openapi(), indent=1, sort_keys=True))" > "$out"
[ "$out" = dashboard/openapi.json ] || exit 0
cd dashboard
npx openapi-typescript openapi.json -o src/api/schema.d.ts
