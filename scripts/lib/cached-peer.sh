# Sourced by the scripts that build or fetch a test peer into ~/.cache/lookout (k8s-bins.sh,
# promtool.sh, oidc-provider.sh): their one command-line contract and their preconditions.
#
#   peer_init NAME "$@"      sets `mode` (build | check) and `print` (dir | path: --print-path,
#                            a check that prints the binary, honoured by go_install_peer) from
#                            the arguments, defines `log` (lines on stderr, prefixed NAME:),
#                            exits 2 on a bad argument
#   peer_needs WHAT TOOL...  exits 1, saying why, when a tool is not on PATH
#   LOOKOUT_CACHE_ROOT       where every peer's cache lives

LOOKOUT_CACHE_ROOT="${LOOKOUT_CACHE:-$HOME/.cache/lookout}"

peer_init() {
  PEER_NAME=$1
  shift
  mode=build
  print=dir
  case "${1:-}" in
    --check | --print-dir) mode=check ;;
    --print-path) mode=check; print=path ;;
    "") ;;
    *) echo "usage: $0 [--check|--print-dir|--print-path]" >&2; exit 2 ;;
  esac
}

log() { echo "$PEER_NAME: $*" >&2; }

peer_needs() {
  local what=$1 tool
  shift
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      log "$tool is not installed; cannot build or locate $what"
      exit 1
    fi
  done
}

# npm_peer SRC CACHE PROBE: the npm-installed peers (oidc-provider, axe-core). Installs
# SRC/package-lock.json with `npm ci` into $LOOKOUT_CACHE_ROOT/CACHE/<lock hash>/node_modules
# unless present (mode build), or only checks (mode check); PROBE is a file under node_modules
# that a complete install has. Prints that node_modules dir as the last line on stdout.
npm_peer() {
  local src=$1 cache=$2 probe=$3 hash root modules started
  hash=$(sha256sum "$src/package-lock.json" | cut -c1-16)
  root="$LOOKOUT_CACHE_ROOT/$cache/$hash"
  modules="$root/node_modules"
  # The marker is written last, after npm ci succeeded: an interrupted install never counts.
  _npm_installed() { [[ -f "$root/.installed" && -f "$modules/$probe" ]]; }
  if [[ $mode == check ]]; then
    if _npm_installed; then echo "$modules"; exit 0; fi
    log "not installed in $root; run $0 to install it"
    exit 1
  fi
  if _npm_installed; then
    log "cached"
  else
    log "installing from $src/package-lock.json (npm ci)"
    started=$(date +%s)
    # Install in a private temp dir and move into place, so a concurrent --check never sees a
    # half-installed tree.
    mkdir -p "$(dirname "$root")"
    # Global, not local: the EXIT trap runs after this function has returned.
    NPM_PEER_TMP="$root.tmp.$$"
    rm -rf "$NPM_PEER_TMP"
    mkdir -p "$NPM_PEER_TMP"
    trap 'rm -rf "$NPM_PEER_TMP"' EXIT
    cp "$src/package.json" "$src/package-lock.json" "$NPM_PEER_TMP/"
    (cd "$NPM_PEER_TMP" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    rm -rf "$root"
    mv "$NPM_PEER_TMP" "$root"
    touch "$root/.installed"
    _npm_installed || { log "installed but $probe is missing from $modules"; exit 1; }
    log "installed in $(($(date +%s) - started))s"
  fi
  echo "$modules"
}

# go_install_peer EXE PACKAGE@VERSION LDFLAGS COLD: the peers one `go install` builds
# (toxiproxy.sh, metrics-server.sh). Needs ROOT (the version-keyed cache dir), BIN and a
# function `peer_ok` (the binary $BIN/EXE runs and reports the pinned version, which LDFLAGS
# stamp: a half-written binary or one of another version fails it). Check mode: print and exit
# 0 when peer_ok passes, else exit 1 saying why. Build mode: unless it passes already, install
# into a private temp dir and move the binary into place (a concurrent --check never sees a
# half-written one), then check again. Prints BIN, or BIN/EXE with --print-path, last on
# stdout. COLD says how long a cold build takes.
go_install_peer() {
  local exe=$1 pkg=$2 ldflags=$3 cold=$4 started built
  if [[ $mode == check ]]; then
    if peer_ok; then _peer_print "$exe"; exit 0; fi
    log "$exe missing or stale in $BIN; run $0 to build it"
    exit 1
  fi
  if peer_ok; then
    log "cached"
  else
    log "building $exe ${pkg##*@} ($cold cold)"
    started=$(date +%s)
    # Global, not local: the EXIT trap runs after this function has returned.
    GO_PEER_TMP="$ROOT/tmp.$$"
    mkdir -p "$GO_PEER_TMP"
    trap 'rm -rf "$GO_PEER_TMP"' EXIT
    GOBIN="$GO_PEER_TMP" go install -trimpath -ldflags "$ldflags" "$pkg" >&2
    built=${pkg%@*}
    mkdir -p "$BIN"
    mv -f "$GO_PEER_TMP/${built##*/}" "$BIN/$exe"  # go names it after the package's last element
    peer_ok || { log "built but its version check failed"; exit 1; }
    log "built in $(($(date +%s) - started))s"
  fi
  _peer_print "$exe"
}

_peer_print() {
  if [[ $print == path ]]; then echo "$BIN/$1"; else echo "$BIN"; fi
}
