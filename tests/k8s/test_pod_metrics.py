"""Pod metrics on the real control plane (issue 19). Without metrics-server the agent's read
fails as NotFound (what the agent says once and looks at again every 10 minutes). With a real
metrics-server registered (``tests.k8s.metrics_server``), the real agent (every part composed
as in production, the chart's identity) reads it and a real master stores each container's
usage with the requests and limits of the pod it mirrors; kwok's usage comes from the pod's
``kwok.x-k8s.io/usage-*`` annotations, so the stored memory is the annotated one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client, config

from agent.kubeapi.errors import NotFound
from agent.kubeapi.transport import KubeAccess
from agent.pod_metrics.running import read_once
from tests.harness import API_TOKEN, add_cluster, agent_settings, master_settings, running_master
from tests.k8s.controlplane import ControlPlane
from tests.k8s.metrics_server import running_metrics_server
from tests.k8s.realagent import real_agent

pytestmark = pytest.mark.k8s

MiB = 2**20


async def test_without_metrics_server_the_agents_read_is_not_found(
    k8s_cluster: ControlPlane,
) -> None:
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=k8s_cluster.agent_kubeconfig)
    async with access:
        with pytest.raises(NotFound):
            await read_once(access, timeout_s=10)


def _pod(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "annotations": {"kwok.x-k8s.io/usage-memory": "100Mi"}},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.local/app:1.0",
                    "resources": {
                        "requests": {"cpu": "50m", "memory": "64Mi"},
                        "limits": {"memory": "128Mi"},
                    },
                }
            ],
            "terminationGracePeriodSeconds": 0,
        },
    }


async def test_the_real_agent_s_metrics_server_samples_are_stored_with_the_pod_s_limits(
    k8s_cluster: ControlPlane, k8s_namespace: str, tmp_path: Path
) -> None:
    api = config.new_client_from_config(str(k8s_cluster.admin_kubeconfig))
    client.CoreV1Api(api).create_namespaced_pod(k8s_namespace, _pod("usage"))
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "real")
    with running_metrics_server(k8s_cluster, tmp_path / "metrics-server"):
        async with running_master(settings) as m:
            agent = agent_settings(
                "real",
                token,
                m.address,
                pod_metrics={"interval_s": 5},
                spool_path=tmp_path / "spool.bin",
            )
            path = f"/api/v1/clusters/real/pods/{k8s_namespace}/usage/metrics"
            async with (
                real_agent(k8s_cluster, agent),
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{m.master.http_port}",
                    headers={"Authorization": f"Bearer {API_TOKEN}"},
                ) as http,
            ):
                bodies: list[dict[str, Any]] = []

                async def stored() -> bool:
                    r = await http.get(path)
                    assert r.status_code == 200, r.text
                    bodies.append(r.json())
                    return any(
                        lim is not None
                        for c in r.json()["containers"]
                        for lim in c["series"]["mem_limit"]
                    )

                await _until(stored, what="a stored sample with the pod's limits", timeout=120)
    api.close()
    (app,) = bodies[-1]["containers"]
    s = app["series"]
    i = next(i for i, lim in enumerate(s["mem_limit"]) if lim is not None)
    assert app["container"] == "app"
    assert (s["mem_request"][i], s["mem_limit"][i]) == (64 * MiB, 128 * MiB)
    assert (s["cpu_request_m"][i], s["cpu_limit_m"][i]) == (50.0, None)
    assert s["mem_bytes_avg"][i] == 100 * MiB  # kwok's annotated working set, via metrics-server
    assert s["cpu_m_avg"][i] > 0


async def _until(check: Callable[[], Awaitable[bool]], *, what: str, timeout: float) -> None:
    """Poll an async ``check`` (bounded; ``tests.harness.eventually`` takes a sync one)."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():  # noqa: ASYNC110 -- polls an HTTP API it does not own
                await asyncio.sleep(1)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None
