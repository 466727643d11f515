"""The agent's metrics.k8s.io read on both backends ("kube" and "sim"): where the group is
served (kubesim; the real control plane once metrics-server is registered in it) every
Running pod reads as usage per container in the agent's own shapes; where it is not, the read
fails as NotFound or Forbidden -- the two answers the agent says once and retries rarely."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes import client

from agent.kubeapi.errors import Forbidden, NotFound
from agent.kubeapi.transport import KubeAccess
from agent.pod_metrics.running import read_once
from tests.contract.backends import Backend
from tests.contract.commands_runner import settled
from tests.contract.workloads import IMAGE, deployment, running_ready


async def _served(backend: Backend) -> bool:
    api = client.ApisApi(backend.api())
    groups = await asyncio.to_thread(api.get_api_versions)
    return any(g.name == "metrics.k8s.io" for g in groups.groups)


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
    async with access:
        if not await _served(backend):
            with pytest.raises((NotFound, Forbidden)):
                await read_once(access, timeout_s=10)
            pytest.skip(f"{backend.name}: metrics.k8s.io not served (no metrics-server yet)")
        # metrics-server answers for a pod once it has scraped it: wait for both of ours.
        for _ in range(60):
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
