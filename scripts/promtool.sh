#!/usr/bin/env bash
# Builds (or finds) the pinned promtool that the /metrics tests lint scraped text with
# (`promtool check metrics`), using only the Go module proxy, like scripts/k8s-bins.sh.
#
# Output goes to a version-keyed cache OUTSIDE the repository (binaries are never committed):
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/promtool/<prometheus-version>-<go-version>/bin/
# The last line on stdout is always that bin dir, so callers can do
#   BIN=$(scripts/promtool.sh | tail -1)
#
# Usage: scripts/promtool.sh            build if missing (idempotent, reuses the cache)
#        scripts/promtool.sh --check    never build; print the bin dir and exit 0 if present,
#                                       exit 1 (with the reason on stderr) otherwise
#
# Separate from k8s-bins.sh (own cache dir, own temp output) so the Makefile can run both in
# parallel: the two never write the same files.
set -euo pipefail

PROMETHEUS_VERSION=${LOOKOUT_PROMETHEUS_VERSION:-v0.316.0}

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# shellcheck source=scripts/lib/cached-peer.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/cached-peer.sh"
peer_init promtool "$@"
peer_needs promtool go
GO_VERSION=$(go env GOVERSION)
ROOT="$LOOKOUT_CACHE_ROOT/promtool/${PROMETHEUS_VERSION#v}-${GO_VERSION}"
BIN="$ROOT/bin"

# The binary runs: a half-written binary from an interrupted build fails this. (promtool's
# --version reports the Go module's build info, not the tag, unless ldflags stamp it.)
promtool_ok() {
  [[ -x "$BIN/promtool" ]] || return 1
  local out
  out=$("$BIN/promtool" --version 2>&1) || return 1
  [[ $out == *"${PROMETHEUS_VERSION#v0.}"* || $out == *"$PROMETHEUS_VERSION"* ]]
}

if [[ $mode == check ]]; then
  if promtool_ok; then echo "$BIN"; exit 0; fi
  log "promtool missing or stale in $BIN; run scripts/promtool.sh to build it"
  exit 1
fi

if promtool_ok; then
  log "cached"
else
  log "building promtool $PROMETHEUS_VERSION (a few minutes cold)"
  started=$(date +%s)
  # Build into a private temp dir and move into place, so a concurrent --check never sees a
  # half-written binary.
  tmp="$ROOT/tmp.$$"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  p=github.com/prometheus/common/version
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w -X $p.Version=${PROMETHEUS_VERSION#v}" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >&2
  mkdir -p "$BIN"
  mv -f "$tmp/promtool" "$BIN/promtool"
  promtool_ok || { log "built but its --version check failed"; exit 1; }
  log "built in $(($(date +%s) - started))s"
fi
echo "$BIN"
