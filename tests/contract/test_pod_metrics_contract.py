"""The agent's metrics.k8s.io read on both backends ("kube" and "sim"): kubesim serves the group
itself, the real control plane through a real metrics-server registered as an APIService and
scraping kwok's emulated kubelets (``tests.k8s.metrics_server``, started for this test only).
On both, every Running pod reads as usage per container in the agent's own shapes, as the
agent's identity (the chart's ClusterRole on the real one). The group's absence (NotFound) is
proved on the real control plane in ``tests/k8s/test_pod_metrics.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from agent.kubeapi.transport import KubeAccess
from agent.pod_metrics.running import read_once
from tests.contract.backends import Backend
from tests.contract.commands_runner import settled
from tests.contract.workloads import IMAGE, deployment, running_ready
from tests.k8s import harness
from tests.k8s.metrics_server import running_metrics_server


@pytest.fixture
def metrics_api(backend: Backend, tmp_path: Path) -> Iterator[None]:
    """metrics.k8s.io served on ``backend`` for the test's length."""
    if backend.name != "kube":  # kubesim serves it itself
        yield
        return
    cp = harness.current()  # the backend fixture started it
    assert cp is not None
    with running_metrics_server(cp, tmp_path / "metrics-server"):
        yield


async def _served(backend: Backend) -> bool:
    api = client.ApisApi(backend.api())
    groups = await asyncio.to_thread(api.get_api_versions)
    return any(g.name == "metrics.k8s.io" for g in groups.groups)


@pytest.mark.usefixtures("metrics_api")
async def test_the_agent_reads_every_running_pods_usage_per_container(
    backend: Backend, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    app = {
        "name": "app",
        "image": IMAGE,
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
    }
    apps.create_namespaced_deployment(ns, deployment("web", 2, containers=[app]))
    await settled(lambda: running_ready(core, ns, "web", 2), "2 Running pods")
    access = await asyncio.to_thread(
        KubeAccess.from_files, kubeconfig=backend.agent_kubeconfig, context=backend.agent_context
    )
    assert await _served(backend)
    async with access:
        # metrics-server answers for a pod once it has scraped it twice: wait for both of ours.
        for _ in range(90):
            reading = await read_once(access, timeout_s=10)
            if sum(p.namespace == ns for p in reading.batch.pods) == 2:
                break
            await asyncio.sleep(1)
    mine = [p for p in reading.batch.pods if p.namespace == ns]
    assert reading.skipped == 0
    assert sorted(p.pod.split("-")[0] for p in mine) == ["web", "web"]
    for p in mine:
        assert [c.name for c in p.containers] == ["app"]
        assert p.containers[0].cpu_millicores >= 0
        assert p.containers[0].memory_bytes > 0
        assert p.at_ms > 0 and p.window_ms > 0
    assert reading.batch.nodes, "no NodeMetrics"
    assert all(n.memory_bytes > 0 for n in reading.batch.nodes)
