"""Pod metrics end to end (issue 19): kubesim serves metrics.k8s.io, the real agent reads it
every few seconds and journals the batches, the master attaches each container's requests
and limits from the pod it mirrors and stores the samples, and the authenticated API answers
the series -- for one pod and for its Deployment. kubesim's memory-leak fault makes one pod's
memory grow 4 MiB/min from its start, which the stored series must show.

Peers: kubesim and ``python -m agent`` as subprocesses, the master in-process (real gRPC,
HTTP and SQLite)."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client

from tests.contract.backends import Backend, Simulator, wait_for
from tests.contract.workloads import FAULT, IMAGE, deployment
from tests.harness import (
    API_TOKEN,
    add_cluster,
    agent_process_env,
    master_settings,
    running_master,
)

NS = "leaky"
INTERVAL_S = 5  # the agent's floor (PodMetricsSettings.interval_s ge=5)
POINTS = 4  # a few intervals: enough to see the leak grow past kubesim's wobble
# A small memory request keeps kubesim's wobble (±1.5 % of 60 % of the request, over minutes)
# slower than the leak's 4 MiB/min, so the leaking pod's memory rises at every sample.
LEAKY = {
    "name": "app",
    "image": IMAGE,
    "resources": {
        "requests": {"cpu": "100m", "memory": "32Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    },
}
MiB = 2**20


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Backend]:
    (tmp_path / "sim").mkdir()
    s = Simulator(tmp_path / "sim")
    b = s.backend()
    try:
        yield b
    finally:
        b.close()
        s.stop()


def _leaky_pod(core: client.CoreV1Api) -> str:
    pods = core.list_namespaced_pod(NS, label_selector="app=leaky").items
    running = [p.metadata.name for p in pods if p.status.phase == "Running"]
    return running[0] if running else ""


def _with_limits(body: dict[str, Any]) -> list[int]:
    """Indexes of the points stored with the pod's requests and limits attached (the first
    batch can beat the pod's own delta to the master: stored, with nulls)."""
    limits = [c["series"]["mem_limit"] for c in body["containers"] if c["container"] == "app"]
    return [i for i, lim in enumerate(limits[0]) if lim is not None] if limits else []


async def _series(http: httpx.AsyncClient, path: str) -> dict[str, Any]:
    r = await http.get(path)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _points(http: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """The pod's series once ``POINTS`` samples carry its limits (bounded wait)."""
    async with asyncio.timeout(POINTS * INTERVAL_S + 60):
        while True:
            body = await _series(http, path)
            if len(_with_limits(body)) >= POINTS:
                return body
            await asyncio.sleep(1)


async def test_a_leaking_pod_s_stored_memory_grows_under_its_limit(
    tmp_path: Path, sim: Backend
) -> None:
    core, apps = client.CoreV1Api(sim.api()), client.AppsV1Api(sim.api())
    core.create_namespace({"metadata": {"name": NS}})
    labels = {FAULT: "memory-leak"}
    apps.create_namespaced_deployment(NS, deployment("leaky", 1, labels=labels, containers=[LEAKY]))
    pod = wait_for(lambda: _leaky_pod(core), timeout=60, what="the leaky pod Running")

    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        env = agent_process_env(
            "edge",
            token,
            m.address,
            kubeconfig=sim.kubeconfig,
            spool=tmp_path / "spool" / "spool.bin",
            AGENT_POD_METRICS__INTERVAL_S=str(INTERVAL_S),
        )
        agent = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent", env=env, stderr=subprocess.DEVNULL
        )
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{m.master.http_port}",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
            ) as http:
                pod_path = f"/api/v1/clusters/edge/pods/{NS}/{pod}/metrics"
                body = await _points(http, pod_path)
                workload = await _series(
                    http, f"/api/v1/clusters/edge/workloads/deploy/{NS}/leaky/metrics"
                )
        finally:
            agent.terminate()
            await agent.wait()

    (app,) = body["containers"]
    s = app["series"]
    points = _with_limits(body)
    assert body["resolution"] == "raw"
    assert {s["cpu_request_m"][i] for i in points} == {100.0}
    assert {s["cpu_limit_m"][i] for i in points} == {500.0}
    assert {s["mem_request"][i] for i in points} == {32 * MiB}
    assert {s["mem_limit"][i] for i in points} == {256 * MiB}
    times = [app["times_ms"][i] for i in points]
    assert times == sorted(times) and len(set(times)) == len(times)
    memory = [s["mem_bytes_avg"][i] for i in points]
    assert all(b > a for a, b in itertools.pairwise(memory)), memory
    # 4 MiB a minute, read through metrics-server's Ki and the agent's bytes.
    minutes = (times[-1] - times[0]) / 60_000
    assert memory[-1] - memory[0] == pytest.approx(4 * MiB * minutes, rel=0.5)
    assert all(0 < s["cpu_m_avg"][i] <= 500 for i in points)
    # The Deployment's series is its one pod's, summed: same container, same limit.
    (wapp,) = workload["containers"]
    assert wapp["container"] == "app"
    assert max(wapp["series"]["pods"]) == 1
    assert 256 * MiB in wapp["series"]["mem_limit"]
