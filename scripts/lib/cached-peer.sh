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
