#!/usr/bin/env bash
# Builds (or finds) the pinned metrics-server that the pod-metrics tests register as the
# APIService v1beta1.metrics.k8s.io in the test control plane, scraping kwok's simulated
# kubelets (issue 19): the real peer behind the agent's metrics.k8s.io read, so the contract
# test can hold kubesim to it. Only the Go module proxy is used, like scripts/toxiproxy.sh;
# about two minutes cold with the Kubernetes modules cached.
#
# Output goes to a version-keyed cache OUTSIDE the repository (binaries are never committed):
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/metrics-server/<version>-<go-version>/bin/
# The last line on stdout is always that bin dir, so callers can do
#   BIN=$(scripts/metrics-server.sh | tail -1)
#
# Usage: scripts/metrics-server.sh               build if missing (idempotent, reuses the cache)
#        scripts/metrics-server.sh --check       never build; print the bin dir and exit 0 if
#                                                present, exit 1 (with the reason on stderr)
#        scripts/metrics-server.sh --print-dir   the same as --check
#        scripts/metrics-server.sh --print-path  like --check, but prints the binary's path
#
# Own cache dir and own temp dir, so scripts/test-bins.sh runs it beside the other peers.
set -euo pipefail

METRICS_SERVER_VERSION=${LOOKOUT_METRICS_SERVER_VERSION:-v0.8.0}
MODULE=sigs.k8s.io/metrics-server

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# shellcheck source=scripts/lib/cached-peer.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/cached-peer.sh"
peer_init metrics-server "$@"
peer_needs metrics-server go
GO_VERSION=$(go env GOVERSION)
ROOT="$LOOKOUT_CACHE_ROOT/metrics-server/${METRICS_SERVER_VERSION#v}-${GO_VERSION}"
BIN="$ROOT/bin"

# Its --version prints client-go's gitVersion, which upstream's Makefile stamps as below.
peer_ok() {
  [[ -x $BIN/metrics-server ]] || return 1
  local out
  out=$("$BIN/metrics-server" --version 2>&1) || return 1
  [[ $out == "$METRICS_SERVER_VERSION" ]]
}

go_install_peer metrics-server "$MODULE/cmd/metrics-server@$METRICS_SERVER_VERSION" \
  "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" "about two minutes"
