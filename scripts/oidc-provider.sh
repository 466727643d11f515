#!/usr/bin/env bash
# Installs (or finds) the pinned oidc-provider that the SSO integration tests run as a real
# OpenID Connect provider (tests/oidc/provider.mjs), using only node, npm and the npm registry.
#
# node_modules go to a cache keyed by the lock file's hash, OUTSIDE the repository:
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/oidc-provider/<sha256 of package-lock.json>/node_modules
# The last line on stdout is always that node_modules dir, so callers can do
#   NODE_MODULES=$(scripts/oidc-provider.sh | tail -1)
#
# Usage: scripts/oidc-provider.sh           install if missing (idempotent, reuses the cache)
#        scripts/oidc-provider.sh --check   never install; print the dir and exit 0 if present,
#                                           exit 1 (with the reason on stderr) otherwise
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=tests/oidc

# shellcheck source=scripts/lib/cached-peer.sh
. scripts/lib/cached-peer.sh  # cwd is the repository root (above)
peer_init oidc-provider "$@"
peer_needs oidc-provider node npm sha256sum
HASH=$(sha256sum "$SRC/package-lock.json" | cut -c1-16)
ROOT="$LOOKOUT_CACHE_ROOT/oidc-provider/$HASH"
MODULES="$ROOT/node_modules"

# The marker is written last, after npm ci succeeded: an interrupted install never counts.
installed() {
  [[ -f "$ROOT/.installed" && -f "$MODULES/oidc-provider/package.json" ]]
}

if [[ $mode == check ]]; then
  if installed; then echo "$MODULES"; exit 0; fi
  log "not installed in $ROOT; run scripts/oidc-provider.sh to install it"
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
  installed || { log "installed but oidc-provider is missing from $MODULES"; exit 1; }
  log "installed in $(($(date +%s) - started))s"
fi
echo "$MODULES"
