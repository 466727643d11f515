"""The anomaly service in a running master: node and pod metrics committed to the real store
(as the processor commits an agent's), the service's own schedule, and the statistical alerts it
raises read back through the authenticated alerts API with the reason in words."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from master.store import Store
from shared.clock import now_ms
from shared.domain.journal import JournalRecord, NodeMetricsBatch, PodMetricsBatch
from shared.domain.metrics import Memory, NodeMetricsSample
from shared.domain.podmetrics import ContainerSpec, ContainerUsage, PodUsage
from tests.harness import API_TOKEN, master_settings, running_master

MiB = 2**20


async def _node_metrics(store: Store, cluster: str, cpu: dict[str, float]) -> None:
    now = now_ms()
    records = []
    for i in range(10):  # ten samples a minute apart per node, the newest now
        at = now - (9 - i) * 60_000
        batch = tuple(
            NodeMetricsSample(node=n, at_ms=at, cpu_percent=c, memory=Memory(8_000, 1_000))
            for n, c in cpu.items()
        )
        records.append(JournalRecord(i + 1, i + 1, NodeMetricsBatch(batch)))
    await store.journal.commit(cluster, records, len(records))


async def _pod_metrics(store: Store, cluster: str) -> None:
    """Twenty minutes at 30 s: ``leaky`` grows 8 MiB/min towards 512 MiB, ``steady`` wobbles."""
    now = now_ms()
    spec = ContainerSpec(memory_limit_bytes=512 * MiB, cpu_limit_m=500, workload="Deployment/api")
    records = []
    for i in range(40):
        at = now - (39 - i) * 30_000
        pods = tuple(
            PodUsage("shop", pod, at, 30_000, (ContainerUsage("main", 50.0, mem, spec),))
            for pod, mem in (("leaky", 100 * MiB + i * 4 * MiB), ("steady", 200 * MiB + i % 3))
        )
        records.append(JournalRecord(i + 1, i + 1, PodMetricsBatch(pods)))
    await store.journal.commit(cluster, records, len(records))


async def _alerts(port: int, reason: str) -> list[dict[str, Any]]:
    """The alerts of ``reason`` once there are any (the service runs every 0.2 s)."""
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as http:
        for _ in range(100):
            r = await http.get("/api/v1/alerts", params={"cluster": "edge"})
            assert r.status_code == 200, r.text
            found = [a for a in r.json()["items"] if a["labels"].get("reason") == reason]
            if found:
                return found
            await asyncio.sleep(0.1)
    return []


async def _findings(port: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as http:
        r = await http.get("/api/v1/clusters/edge/findings")
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


async def test_a_node_far_above_its_pool_raises_a_statistical_noisy_neighbour_alert(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m", anomaly={"evaluate_s": 0.2})
    async with running_master(settings) as m:
        m.master.hub.ensure("edge")
        cpu = {f"worker-{i}": 18.0 + i for i in range(5)} | {"worker-hot": 96.0}
        await _node_metrics(m.master.store, "edge", cpu)
        found = await _alerts(m.master.http_port, "NoisyNeighbour")
    assert [a["labels"]["name"] for a in found] == ["worker-hot"]
    (alert,) = found
    assert alert["labels"]["statistical"] == "true"
    assert alert["labels"]["severity"] == "warning"
    assert "node worker-hot at 96 % CPU" in alert["annotations"]["summary"]


async def test_a_leaking_container_raises_a_predicted_oom_alert_that_says_when(
    tmp_path: Path,
) -> None:
    anomaly = {"evaluate_s": 0.2, "memory_window_s": 1200}
    settings = master_settings(tmp_path / "m", anomaly=anomaly)
    async with running_master(settings) as m:
        m.master.hub.ensure("edge")
        await _pod_metrics(m.master.store, "edge")
        found = await _alerts(m.master.http_port, "PredictedOOM")
        held = await _findings(m.master.http_port)
    assert [a["labels"]["name"] for a in found] == ["leaky"]
    # Also a finding on the pod, as the agent's are (what the pod page and remediation read).
    (finding,) = [f for f in held if f["reason"] == "PredictedOOM"]
    assert finding["subject"]["name"] == "leaky" and finding["category"] == "anomaly"
    assert finding["attrs"]["statistical"] == "true" and finding["attrs"]["container"] == "main"
    assert finding["owner"]["name"] == "api"
    (alert,) = found
    assert alert["labels"]["owner"] == "Deployment/api"
    assert alert["labels"]["container"] == "main"
    assert alert["labels"]["statistical"] == "true"
    summary = alert["annotations"]["summary"]
    assert "growing 8.0 MiB/min for 20 min" in summary and "reaches its 512 MiB limit" in summary
