"""The anomaly service in a running master: node metrics committed to the real store (as the
processor commits an agent's), the service's own schedule, and the statistical alert it raises
read back through the authenticated alerts API with the reason in words."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from master.store import Store
from shared.clock import now_ms
from shared.domain.journal import JournalRecord, NodeMetricsBatch
from shared.domain.metrics import Memory, NodeMetricsSample
from tests.harness import API_TOKEN, master_settings, running_master


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


async def test_a_node_far_above_its_pool_raises_a_statistical_noisy_neighbour_alert(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m", anomaly={"evaluate_s": 0.2})
    async with running_master(settings) as m:
        m.master.hub.ensure("edge")
        cpu = {f"worker-{i}": 18.0 + i for i in range(5)} | {"worker-hot": 96.0}
        await _node_metrics(m.master.store, "edge", cpu)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{m.master.http_port}",
            headers={"Authorization": f"Bearer {API_TOKEN}"},
        ) as http:
            found: list[dict[str, Any]] = []

            async def check() -> bool:
                r = await http.get("/api/v1/alerts", params={"cluster": "edge"})
                assert r.status_code == 200, r.text
                found[:] = [
                    a for a in r.json()["items"] if a["labels"].get("reason") == "NoisyNeighbour"
                ]
                return bool(found)

            for _ in range(100):
                if await check():
                    break
                await asyncio.sleep(0.1)  # the service runs every 0.2 s
    assert [a["labels"]["name"] for a in found] == ["worker-hot"]
    (alert,) = found
    assert alert["labels"]["statistical"] == "true"
    assert alert["labels"]["severity"] == "warning"
    assert "node worker-hot at 96 % CPU" in alert["annotations"]["summary"]
