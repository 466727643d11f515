#!/usr/bin/env bash
# Installs (or finds) the pinned axe-core that the browser tests inject into the dashboard's
# pages (tests/browser/test_accessibility.py), using only node, npm and the npm registry.
#
# node_modules go to a cache keyed by the lock file's hash, OUTSIDE the repository:
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/axe/<sha256 of package-lock.json>/node_modules
# The last line on stdout is always that node_modules dir, so callers can do
#   NODE_MODULES=$(scripts/axe-core.sh | tail -1)   # then $NODE_MODULES/axe-core/axe.min.js
#
# Usage: scripts/axe-core.sh           install if missing (idempotent, reuses the cache)
#        scripts/axe-core.sh --check   never install; print the dir and exit 0 if present,
#                                      exit 1 (with the reason on stderr) otherwise
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/cached-peer.sh
. scripts/lib/cached-peer.sh  # cwd is the repository root (above)
peer_init axe-core "$@"
peer_needs axe-core node npm sha256sum
npm_peer tests/browser/axe axe axe-core/axe.min.js
