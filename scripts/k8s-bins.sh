#!/usr/bin/env bash
# Builds (or finds) the pinned binaries Lookout's real-cluster tests need, using only the Go
# module proxy: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, the etcd that
# Kubernetes release pins, kwok, helm, grpcurl and ghz.
#
# Output goes to a version-keyed cache OUTSIDE the repository (binaries are never committed):
#   ${LOOKOUT_CACHE:-$HOME/.cache/lookout}/k8s/<k8s-version>-<go-version>/bin/
# The last line on stdout is always that bin dir, so callers can do
#   BIN=$(scripts/k8s-bins.sh | tail -1)
#
# Usage: scripts/k8s-bins.sh            build what is missing (idempotent, reuses the cache)
#        scripts/k8s-bins.sh --check    never build; print the bin dir and exit 0 if complete,
#                                       exit 1 (with the reason on stderr) otherwise
#        (--print-dir is an alias of --check)
#
# Why a wrapper module: `go install k8s.io/kubernetes/cmd/...@vX` is refused because upstream's
# go.mod maps every staging module k8s.io/<x> v0.0.0 => ./staging/...; a throw-away main module
# that requires k8s.io/kubernetes and replaces each staging module with its published v0.Y.Z
# builds upstream's own main packages unchanged (see docs/k8s-test-cluster.md).
set -euo pipefail

K8S_VERSION=${LOOKOUT_K8S_VERSION:-v1.36.3}   # newest 1.36 patch on the proxy when pinned
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.21.4
GRPCURL_VERSION=v1.9.3
GHZ_VERSION=v0.121.0

# No toolchain downloads (fail fast instead) and static binaries like upstream's release.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# shellcheck source=scripts/lib/cached-peer.sh
. "$(cd "$(dirname "$0")" && pwd)/lib/cached-peer.sh"
peer_init k8s-bins "$@"
peer_needs "the Kubernetes test binaries" go
GO_VERSION=$(go env GOVERSION)
K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
STAGING_VERSION="v0.${K8S_VERSION#v1.}"          # v1.36.3 -> v0.36.3
ROOT="$LOOKOUT_CACHE_ROOT/k8s/${K8S_VERSION#v}-${GO_VERSION}"
BIN="$ROOT/bin"

# version_ok <binary> <expected substring> <args...>: the binary runs and reports the pinned
# version (a stale or half-written binary from an interrupted build fails this).
version_ok() {
  local bin=$1 want=$2; shift 2
  [[ -x "$BIN/$bin" ]] || return 1
  local out  # captured first: `| grep -q` would SIGPIPE the binary and fail under pipefail
  out=$("$BIN/$bin" "$@" 2>&1) || return 1
  [[ $out == *"$want"* ]]
}

k8s_ok() {
  version_ok kube-apiserver "Kubernetes $K8S_VERSION" --version &&
    version_ok kube-controller-manager "Kubernetes $K8S_VERSION" --version &&
    version_ok kube-scheduler "Kubernetes $K8S_VERSION" --version &&
    version_ok kubectl "$K8S_VERSION" version --client &&
    [[ -f "$ROOT/etcd.version" ]] && version_ok etcd "$(cat "$ROOT/etcd.version")" --version
}
kwok_ok() { version_ok kwok "$KWOK_VERSION" --version; }
helm_ok() { version_ok helm "$HELM_VERSION" version --short; }
grpcurl_ok() { version_ok grpcurl "$GRPCURL_VERSION" --version; }
ghz_ok() { version_ok ghz "${GHZ_VERSION#v}" --version; }
all_ok() { k8s_ok && kwok_ok && helm_ok && grpcurl_ok && ghz_ok; }

if [[ $mode == check ]]; then
  if all_ok; then echo "$BIN"; exit 0; fi
  log "binaries missing or stale in $BIN; run scripts/k8s-bins.sh to build them"
  exit 1
fi

mkdir -p "$BIN"
started=$(date +%s)

build_k8s() {
  local w="$ROOT/wrapper"
  rm -rf "$w"; mkdir -p "$w"; cd "$w"
  go mod init local.test/k8sbins >/dev/null 2>&1
  # The staging list changes between minors (1.36 added cri-streaming and streaming), so it
  # is derived from the release's own go.mod rather than hard-coded.
  local modfile staging m
  modfile=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  if grep -E '=>' "$modfile" | grep -v '=> ./staging/' | grep -q .; then
    log "non-staging replace directive in $modfile: port it by hand"; return 1
  fi
  staging=$(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\1#p' "$modfile")
  for m in $staging; do go mod edit -replace="$m=$m@$STAGING_VERSION"; done
  # Keep upstream's GODEBUG defaults instead of the newer ones our go line would imply.
  { grep -E '^godebug ' "$modfile" || true; } | sed 's/^godebug //' | while read -r kv; do
    go mod edit -godebug="$kv"; done
  go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" >&2
  # The etcd server version that this Kubernetes release's client pins.
  local etcd_version
  etcd_version=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
  go get -tool "go.etcd.io/etcd/server/v3@$etcd_version" >&2
  # Version stamps: without them /version says v0.0.0-master and Helm/kwok misjudge the server.
  local ld="-s -w" p now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=$now"
  done
  go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ld" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl >&2
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 >&2
  "$BIN/etcd" --version | sed -n 's/^etcd Version: //p' >"$ROOT/etcd.version"
}

build_kwok() {
  GOBIN="$BIN" go install -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >&2
}

build_helm() {
  # Helm 3 otherwise assumes Kubernetes v1.20 for `helm template`/`lint` (capabilities).
  local h=helm.sh/helm/v3
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w \
    -X $h/internal/version.version=$HELM_VERSION \
    -X $h/pkg/chartutil.k8sVersionMajor=1 -X $h/pkg/chartutil.k8sVersionMinor=$K8S_MINOR \
    -X $h/pkg/lint/rules.k8sVersionMajor=1 -X $h/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR" \
    "$h/cmd/helm@$HELM_VERSION" >&2
}

build_grpcurl() {
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X main.version=$GRPCURL_VERSION" \
    "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >&2
}

build_ghz() {
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X main.version=${GHZ_VERSION#v}" \
    "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" >&2
}

for part in k8s kwok helm grpcurl ghz; do
  if "${part}_ok"; then
    log "$part: cached"
  else
    log "$part: building"
    t0=$(date +%s)
    ( "build_$part" )
    "${part}_ok" || { log "$part: built but its --version check failed"; exit 1; }
    log "$part: built in $(($(date +%s) - t0))s"
  fi
done

log "done in $(($(date +%s) - started))s; $(du -sh "$BIN" | cut -f1) in $BIN"
echo "$BIN"
