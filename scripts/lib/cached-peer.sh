# Sourced by the scripts that build or fetch a test peer into ~/.cache/lookout (k8s-bins.sh,
# promtool.sh, oidc-provider.sh): their one command-line contract and their preconditions.
#
#   peer_init NAME "$@"      sets `mode` (build | check) from the arguments, defines `log`
#                            (lines on stderr, prefixed NAME:), exits 2 on a bad argument
#   peer_needs WHAT TOOL...  exits 1, saying why, when a tool is not on PATH
#   LOOKOUT_CACHE_ROOT       where every peer's cache lives

LOOKOUT_CACHE_ROOT="${LOOKOUT_CACHE:-$HOME/.cache/lookout}"

peer_init() {
  PEER_NAME=$1
  shift
  mode=build
  case "${1:-}" in
    --check | --print-dir) mode=check ;;
    "") ;;
    *) echo "usage: $0 [--check|--print-dir]" >&2; exit 2 ;;
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
