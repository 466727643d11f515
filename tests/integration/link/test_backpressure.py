"""A master that stops handling must not make the agent's memory grow: the sender stops at its
in-flight window, the bounded spool turns overflow into a counted gap, and once the master goes
on, every record is accounted for there exactly once: it arrived, or it is counted in the gap
the cluster's page shows. (The agent's own count can be higher: records it dropped while they
were in flight had reached the master.)

The master is the real one (real gRPC, store and processor); what stalls it is a held observer
of its processor, which runs inside the handling of each batch, so nothing is acknowledged
while it is held, as with a slow store."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from shared.domain.journal import FindingBatch, Gap, JournalRecord
from tests.harness import (
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)


async def test_a_stalled_master_bounds_the_agent_s_spool_and_then_receives_the_gap(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        held, release = asyncio.Event(), asyncio.Event()
        arrived: list[JournalRecord] = []

        async def hold(_cluster: str, records: Sequence[JournalRecord]) -> None:
            arrived.extend(records)
            held.set()
            await release.wait()

        m.master.processor.subscribe(hold)
        cfg = agent_settings("edge", token, m.address, spool_max_records=1000)
        async with running_agent(cfg) as a:
            await a.core.uplink.connected.wait()
            outbox = a.core.outbox
            outbox.put(FindingBatch(()), now_ms=0)
            await held.wait()  # the master is inside its first batch and acknowledges nothing
            for i in range(1, 20_000):
                outbox.put(FindingBatch(()), now_ms=i)
                if i % 500 == 0:
                    await asyncio.sleep(0.01)  # let the sender fill its window meanwhile
            assert outbox.depth <= 1000
            dropped = outbox.dropped_total
            assert dropped >= 19_000 - a.core.uplink._cfg.window
            head = outbox.after(outbox.acked, 1)
            assert isinstance(head[0].body, Gap) and head[0].body.dropped == dropped
            state = m.master.hub.cluster("edge")
            assert state is not None and state.gaps_dropped == 0
            release.set()
            await eventually(lambda: outbox.depth == 0, what="the spool drained")
            await eventually(lambda: state.hwm == 20_000, what="the master at the last record")
        delivered = [r.seq for r in arrived if not isinstance(r.body, Gap)]
        assert delivered == sorted(set(delivered))  # each record once, in order
        assert state.gaps_dropped > 0
        assert len(delivered) + state.gaps_dropped == 20_000  # arrived, or counted lost: once
        assert state.gaps_dropped <= dropped
