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

# shellcheck source=scripts/lib/cached-peer.sh
. scripts/lib/cached-peer.sh  # cwd is the repository root (above)
peer_init oidc-provider "$@"
peer_needs oidc-provider node npm sha256sum
npm_peer tests/oidc oidc-provider oidc-provider/package.json
