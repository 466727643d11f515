"""A real metrics-server registered in the test control plane as ``v1beta1.metrics.k8s.io``
(issue 19), scraping kwok's emulated ``/metrics/resource`` of every fake node.

``running_metrics_server(cp, workdir)`` starts the pinned binary (``scripts/metrics-server.sh``
builds it; this never builds) on a free 127.0.0.1 port with its own serving certificate,
points the APIService at it through an ExternalName Service of 127.0.0.1 (Endpoints may not
hold a loopback address, and the aggregator's ClusterIP resolver dials an ExternalName as
named), waits until the API answers NodeMetrics, and on the way out removes the APIService
before stopping the process, so no later test sees an unavailable aggregated group (Helm and
discovery fail on one). Only the tests that need it pay its start-up (~30 s: two scrapes
before the first rates).

Missing binary: a skip on a developer's machine, a failure under CI (``tests.required``)."""

from __future__ import annotations

import base64
import contextlib
import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.k8s.controlplane import ControlPlane, ControlPlaneError, free_port
from tests.required import require_built

APISERVICE = "v1beta1.metrics.k8s.io"
SERVICE, NAMESPACE = "metrics-server", "kube-system"
RESOLUTION = "10s"  # metrics-server's floor: the first rates come after two scrapes


def require_metrics_server() -> Path:
    """The binary, or a skip (a failure under CI)."""
    return require_built("metrics-server", "metrics-server.sh", "metrics-server")


def _manifests(cp: ControlPlane, port: int) -> list[dict[str, object]]:
    ca = base64.b64encode((cp.pki / "ca.crt").read_bytes()).decode()
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": SERVICE, "namespace": NAMESPACE},
            "spec": {"type": "ExternalName", "externalName": "127.0.0.1"},
        },
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": APISERVICE},
            "spec": {
                "group": "metrics.k8s.io",
                "version": "v1beta1",
                "service": {"name": SERVICE, "namespace": NAMESPACE, "port": port},
                "caBundle": ca,  # the aggregator checks metrics-server.kube-system.svc
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
            },
        },
    ]


def _args(cp: ControlPlane, port: int) -> list[str]:
    kc, p = cp.admin_kubeconfig, cp.pki
    return [
        f"--secure-port={port}",
        "--bind-address=127.0.0.1",
        f"--tls-cert-file={p / 'metrics-server.crt'}",
        f"--tls-private-key-file={p / 'metrics-server.key'}",
        f"--kubeconfig={kc}",
        f"--authentication-kubeconfig={kc}",
        f"--authorization-kubeconfig={kc}",
        # kwok is every node's "kubelet": its port from the node status, its address the
        # node's InternalIP (127.0.0.1), its certificate kwok's own.
        "--kubelet-use-node-status-port",
        "--kubelet-preferred-address-types=InternalIP",
        "--kubelet-insecure-tls",
        f"--metric-resolution={RESOLUTION}",
        "--kubelet-request-timeout=5s",  # must be below the resolution; kwok answers at once
    ]


def _nodes_served(cp: ControlPlane) -> bool:
    raw = cp.kubectl("get", "--raw", "/apis/metrics.k8s.io/v1beta1/nodes", check=False)
    return raw.returncode == 0 and bool(json.loads(raw.stdout).get("items"))


@contextlib.contextmanager
def running_metrics_server(
    cp: ControlPlane, workdir: Path, *, timeout: float = 120.0
) -> Iterator[Path]:
    """Registered and answering NodeMetrics inside the block; yields its log file."""
    binary = require_metrics_server()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "metrics-server.log"
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            [str(binary), *_args(cp, port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        cp.apply(_manifests(cp, port))
        deadline = time.monotonic() + timeout
        while not _nodes_served(cp):
            if proc.poll() is not None or time.monotonic() > deadline:
                state = "exited" if proc.poll() is not None else "no NodeMetrics in time"
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                raise ControlPlaneError(f"metrics-server {state}:\n{tail}")
            time.sleep(1)
        yield log
    finally:
        cp.kubectl("delete", "apiservice", APISERVICE, "--ignore-not-found", check=False)
        cp.kubectl("delete", "service", SERVICE, "-n", NAMESPACE, "--ignore-not-found",
                   check=False)  # fmt: skip
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
