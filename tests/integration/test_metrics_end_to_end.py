"""Node metrics end to end: the real daemon reads this machine's /proc, pushes to the agent's
intake, the agent journals them to the master, the store keeps them, and the history API
returns the series — raw, and as 5-minute roll-ups after the maintenance pass."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from agent.intake.serving import IntakeServer
from master.store import maintain_once
from metrics_daemon.app import run as run_daemon
from metrics_daemon.settings import MetricsSettings
from shared.clock import now_ms
from tests.harness import (
    API_TOKEN,
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)


async def test_daemon_samples_reach_the_history_api_raw_and_rolled_up(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with (
        running_master(settings) as m,
        running_agent(agent_settings("edge", token, m.address)) as a,
    ):
        intake = IntakeServer("127.0.0.1:0", a.core.on_node_samples)
        port = await intake.start()
        stop = asyncio.Event()
        daemon = asyncio.create_task(
            run_daemon(
                MetricsSettings(node_name="n1", agent_address=f"127.0.0.1:{port}", interval_s=1),
                stop,
            )
        )
        try:
            state = m.master.hub.cluster("edge")
            assert state is not None
            await eventually(lambda: len(m.handled) >= 3, 60, "three samples journaled")
            latest = state.node_metrics["n1"]
            assert latest.memory.total_bytes > 0
            assert 0.0 <= latest.cpu_percent <= 100.0
        finally:
            stop.set()
            await daemon
            await intake.stop()

        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        base = f"http://127.0.0.1:{m.master.http_port}/api/v1/clusters/edge/nodes/n1/metrics"
        async with httpx.AsyncClient(headers=auth) as http:
            raw = (await http.get(base)).json()
            assert raw["resolution"] == "raw"
            assert len(raw["times_ms"]) >= 3
            assert raw["times_ms"] == sorted(raw["times_ms"])
            mem = raw["series"]["mem_total"]
            assert all(v == latest.memory.total_bytes for v in mem)

            # The roll-up pass, run as if 10 minutes later so the 5-minute bucket is complete.
            await maintain_once(m.master.store, settings.store, now_ms=now_ms() + 600_000)
            day_ms = 86_400_000
            t = now_ms()
            rolled = (await http.get(base, params={"from": t - 2 * day_ms, "to": t})).json()
            assert rolled["resolution"] == "5m"
            assert 1 <= len(rolled["times_ms"]) <= 2  # the samples span at most two buckets
            assert rolled["series"]["mem_total_max"][0] == latest.memory.total_bytes

            bad = await http.get(base, params={"from": "yesterday-ish"})
            assert bad.status_code == 400
