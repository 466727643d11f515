#!/usr/bin/env bash
# Builds or fetches every test peer at once (make test-bins), each into its own version-keyed
# cache under ~/.cache/lookout, so a cold CI run waits for the slowest, not for their sum:
#   k8s-bins.sh        kube-apiserver & co., kwok, helm, grpcurl, ghz (Go module proxy)
#   promtool.sh        the /metrics lint (Go)
#   alertmanager.sh    the push channel's real receiver (Go)
#   toxiproxy.sh       the fault-injecting TCP proxy the link fault tests put between agent and
#                      master (Go)
#   metrics-server.sh  the real metrics.k8s.io the pod-metrics tests register in the control
#                      plane (Go)
#   oidc-provider.sh   the SSO tests' OpenID provider (npm)
#   build-dashboard.sh the dashboard and Swagger UI the browser tests load (npm, into the package)
# Warm, each only checks its cache. Exits non-zero, naming them, if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PEERS=(k8s-bins promtool alertmanager toxiproxy metrics-server oidc-provider build-dashboard axe-core)
declare -A pid
for p in "${PEERS[@]}"; do
  scripts/$p.sh >/dev/null & pid[$p]=$!
done
failed=()
for p in "${PEERS[@]}"; do
  wait "${pid[$p]}" || failed+=("$p")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-bins: failed: ${failed[*]} (their messages are above)" >&2
  exit 1
fi
