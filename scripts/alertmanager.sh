#!/usr/bin/env bash
# Builds (or finds) the pinned Alertmanager that the notify tests push alerts into
# (POST /api/v2/alerts, then read back through its own API), using only the Go module proxy,
# like scripts/promtool.sh.
#
# Output goes to a version-keyed cache OUTSIDE the repository (binaries are never committed):
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/alertmanager/<alertmanager-version>-<go-version>/bin/
# The last line on stdout is always that bin dir, so callers can do
#   BIN=$(scripts/alertmanager.sh | tail -1)
#
# Usage: scripts/alertmanager.sh            build if missing (idempotent, reuses the cache)
#        scripts/alertmanager.sh --check    never build; print the bin dir and exit 0 if present,
#                                           exit 1 (with the reason on stderr) otherwise
#
# Why not `go install …/cmd/alertmanager@version`: the module does not ship the built web UI
# that ui/web.go embeds (`//go:embed app/dist`), so that fails. Instead the downloaded module is
# copied somewhere writable, given a placeholder ui/app/dist/index.html (the tests only use the
# API), and ./cmd/alertmanager is built inside it, with the module's own go.mod/go.sum.
#
# Own cache dir and own temp dirs, so the Makefile can run it beside the other peer scripts.
set -euo pipefail

ALERTMANAGER_VERSION=${LOOKOUT_ALERTMANAGER_VERSION:-v0.35.0}
MODULE=github.com/prometheus/alertmanager

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# shellcheck source=scripts/lib/cached-peer.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/cached-peer.sh"
peer_init alertmanager "$@"
peer_needs alertmanager go
GO_VERSION=$(go env GOVERSION)
ROOT="$LOOKOUT_CACHE_ROOT/alertmanager/${ALERTMANAGER_VERSION#v}-${GO_VERSION}"
BIN="$ROOT/bin"

# The binary runs and reports the pinned version (stamped below through ldflags): a
# half-written binary from an interrupted build, or one of another version, fails this.
alertmanager_ok() {
  [[ -x "$BIN/alertmanager" ]] || return 1
  local out
  out=$("$BIN/alertmanager" --version 2>&1) || return 1
  [[ $out == *"version ${ALERTMANAGER_VERSION#v}"* ]]
}

if [[ $mode == check ]]; then
  if alertmanager_ok; then echo "$BIN"; exit 0; fi
  log "alertmanager missing or stale in $BIN; run scripts/alertmanager.sh to build it"
  exit 1
fi

if alertmanager_ok; then
  log "cached"
else
  peer_needs alertmanager cp chmod
  log "building alertmanager $ALERTMANAGER_VERSION (a minute or two cold)"
  started=$(date +%s)
  tmp="$ROOT/tmp.$$"
  mkdir -p "$tmp"
  trap 'chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"' EXIT
  # -json names the module's extracted (read-only) directory in the module cache.
  dir=$(go mod download -json "$MODULE@$ALERTMANAGER_VERSION" |
    sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}$/\1/p')
  [[ -n $dir && -d $dir ]] || { log "go mod download gave no module directory"; exit 1; }
  cp -R "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  mkdir -p "$tmp/src/ui/app/dist"
  echo '<!doctype html><title>Alertmanager</title><p>UI not built (Lookout test binary)' \
    >"$tmp/src/ui/app/dist/index.html"
  p=github.com/prometheus/common/version
  (
    cd "$tmp/src"
    go build -mod=mod -trimpath -o "$tmp/alertmanager" \
      -ldflags "-s -w -X $p.Version=${ALERTMANAGER_VERSION#v} -X $p.Revision=module-proxy" \
      ./cmd/alertmanager >&2
  )
  mkdir -p "$BIN"
  # A move within one file system, so a concurrent --check never sees a half-written binary.
  mv -f "$tmp/alertmanager" "$BIN/alertmanager"
  alertmanager_ok || { log "built but its --version check failed"; exit 1; }
  log "built in $(($(date +%s) - started))s"
fi
echo "$BIN"
