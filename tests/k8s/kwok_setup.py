"""kwok's command line, its pod-log configuration, and the fake Node objects it manages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

STAGES = Path(__file__).resolve().parent / "stages"
# kwok's /metrics/resource for every fake node: what metrics-server scrapes when a test starts
# one (tests/k8s/metrics_server.py). Served only when asked, so it costs the rest nothing.
METRICS = Path(__file__).resolve().parent / "kwok" / "metrics-usage.yaml"


def kwok_args(workdir: Path, pki: Path, kubeconfig: Path, port: int) -> list[str]:
    # Every container's log is this file, so read_namespaced_pod_log / kubectl logs work.
    logs = workdir / "pod.log"
    # CRI log format (what a kubelet reads from disk): time, stream, P/F tag, text.
    logs.write_text(
        "".join(f"2026-01-01T00:00:{i:02d}.000000000Z stdout F INFO line {i}\n" for i in range(20))
    )
    logs_cfg = workdir / "kwok-logs.yaml"
    logs_cfg.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "ClusterLogs",
                "metadata": {"name": "all-pods"},
                "spec": {"selector": {}, "logs": [{"logsFile": str(logs), "follow": False}]},
            }
        )
    )
    return [
        "kwok",
        f"--kubeconfig={kubeconfig}",
        "--manage-all-nodes=true",
        "--node-ip=127.0.0.1",
        "--node-lease-duration-seconds=40",
        # The kubelet API (logs) on loopback with TLS; --node-port puts it in node status.
        f"--server-address=127.0.0.1:{port}",
        f"--node-port={port}",
        f"--tls-cert-file={pki / 'kwok.crt'}",
        f"--tls-private-key-file={pki / 'kwok.key'}",
        f"--config={logs_cfg}",
        f"--config={METRICS}",
        # kwok v0.8.0 loads no default stages: pass the vendored and Lookout's own.
        *[f"--config={f}" for f in sorted(STAGES.glob("*.yaml"))],
    ]


def fake_nodes(count: int) -> list[dict[str, Any]]:
    """Untainted nodes, so test pods need no tolerations; kwok fills in their status."""
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": f"kwok-node-{i}",
                "annotations": {
                    "kwok.x-k8s.io/node": "fake",
                    "node.alpha.kubernetes.io/ttl": "0",
                    # Where metrics-server finds this node's resource metrics on kwok's port
                    # (one port serves every node, so the path names the node).
                    "metrics.k8s.io/resource-metrics-path": f"/metrics/nodes/kwok-node-{i}"
                    "/metrics/resource",
                },
                "labels": {
                    "kubernetes.io/hostname": f"kwok-node-{i}",
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "type": "kwok",
                },
            },
            "status": {"allocatable": dict(capacity), "capacity": dict(capacity)},
        }
        for i in range(count)
    ]
