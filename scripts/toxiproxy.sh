#!/usr/bin/env bash
# Builds (or finds) the pinned Toxiproxy server that the link fault tests put between agent and
# master (tc netem is not available on these machines): a real TCP proxy that injects latency,
# bandwidth limits, tiny segments, silent links, resets and partitions, driven by its HTTP API.
# Only the Go module proxy is used, like scripts/promtool.sh; about 10-20 s cold.
#
# Output goes to a version-keyed cache OUTSIDE the repository (binaries are never committed):
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/toxiproxy/<toxiproxy-version>-<go-version>/bin/
# The last line on stdout is always that bin dir, so callers can do
#   BIN=$(scripts/toxiproxy.sh | tail -1)
#
# Usage: scripts/toxiproxy.sh               build if missing (idempotent, reuses the cache)
#        scripts/toxiproxy.sh --check       never build; print the bin dir and exit 0 if
#                                           present, exit 1 (with the reason on stderr) otherwise
#        scripts/toxiproxy.sh --print-dir   the same as --check
#        scripts/toxiproxy.sh --print-path  like --check, but prints the binary's path
#
# Own cache dir and own temp dir, so scripts/test-bins.sh runs it beside the other peers.
set -euo pipefail

TOXIPROXY_VERSION=${LOOKOUT_TOXIPROXY_VERSION:-v2.5.0}
MODULE=github.com/Shopify/toxiproxy/v2

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# shellcheck source=scripts/lib/cached-peer.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/cached-peer.sh"
peer_init toxiproxy "$@"
peer_needs toxiproxy go
GO_VERSION=$(go env GOVERSION)
ROOT="$LOOKOUT_CACHE_ROOT/toxiproxy/${TOXIPROXY_VERSION#v}-${GO_VERSION}"
BIN="$ROOT/bin"

peer_ok() {
  [[ -x $BIN/toxiproxy-server ]] || return 1
  local out
  out=$("$BIN/toxiproxy-server" -version 2>&1) || return 1
  [[ $out == *"version ${TOXIPROXY_VERSION#v}"* ]]
}

go_install_peer toxiproxy-server "$MODULE/cmd/server@$TOXIPROXY_VERSION" \
  "-s -w -X $MODULE.Version=${TOXIPROXY_VERSION#v}" "10-20 s"
