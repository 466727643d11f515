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
SRC=tests/browser/axe

# shellcheck source=scripts/lib/cached-peer.sh
. scripts/lib/cached-peer.sh  # cwd is the repository root (above)
peer_init axe-core "$@"
peer_needs axe-core node npm sha256sum
HASH=$(sha256sum "$SRC/package-lock.json" | cut -c1-16)
ROOT="$LOOKOUT_CACHE_ROOT/axe/$HASH"
MODULES="$ROOT/node_modules"

# The marker is written last, after npm ci succeeded: an interrupted install never counts.
installed() {
  [[ -f "$ROOT/.installed" && -f "$MODULES/axe-core/axe.min.js" ]]
}

if [[ $mode == check ]]; then
  if installed; then echo "$MODULES"; exit 0; fi
  log "not installed in $ROOT; run scripts/axe-core.sh to install it"
  exit 1
fi

if installed; then
  log "cached"
else
  log "installing from $SRC/package-lock.json (npm ci)"
  started=$(date +%s)
  # Install in a private temp dir and move into place, so a concurrent --check never sees a
  # half-installed tree.
  mkdir -p "$(dirname "$ROOT")"
  tmp="$ROOT.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  cp "$SRC/package.json" "$SRC/package-lock.json" "$tmp/"
  (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  rm -rf "$ROOT"
  mv "$tmp" "$ROOT"
  touch "$ROOT/.installed"
  installed || { log "installed but axe-core is missing from $MODULES"; exit 1; }
  log "installed in $(($(date +%s) - started))s"
fi
echo "$MODULES"
