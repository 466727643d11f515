"""SIGKILL of the real metrics daemon: the agent's intake is a plain server for it, so the
agent keeps running (same process, still streaming), and a restarted daemon's samples reach
the store again — after every kill, samples taken after the restart arrive."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

from tests.integration.crash import ledger
from tests.integration.crash.scenario import iterations, seeded, world

KILLS = iterations(3)


async def test_a_killed_metrics_daemon_restarts_and_its_samples_flow_again(
    tmp_path: Path,
) -> None:
    seed, rng = seeded()
    async with world(tmp_path) as w:
        node = w.daemon.node

        def sampled_since(ms: int) -> bool:
            return ledger.latest_sample_ms(w.master.db, cluster="edge", node=node) > ms

        await w.until(partial(sampled_since, 0), what="the daemon's first sample")
        agent_pid = w.agent.pid
        for i in range(KILLS):
            await asyncio.sleep(rng.uniform(0.1, 1.5))
            w.daemon.kill()
            restarted_ms = int(time.time() * 1000)
            w.daemon.start()
            await w.until(partial(sampled_since, restarted_ms), what=f"samples after kill {i + 1}")
        assert w.agent.alive and w.agent.pid == agent_pid, f"seed {seed}: the agent went down"
        assert "Traceback" not in w.agent.log_text()
