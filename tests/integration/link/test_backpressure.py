"""A master that stops reading must not make the agent's memory grow: the sender stops at its
in-flight window and the bounded spool turns overflow into a counted gap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc

from shared.domain.journal import FindingBatch, Gap
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc
from tests.harness import agent_settings, eventually, running_agent


class _StalledMaster(link_pb2_grpc.AgentLinkServicer):
    """Welcomes the agent, reads a little, then never reads again."""

    def __init__(self) -> None:
        self.records_seen = 0

    async def Connect(  # type: ignore[override]
        self, request_iterator: AsyncIterator[link_pb2.AgentFrame], context: object
    ) -> AsyncIterator[link_pb2.MasterFrame]:
        yield link_pb2.MasterFrame(welcome=link_pb2.Welcome(session_id="s", resume_after_seq=0))
        async for frame in request_iterator:
            self.records_seen += len(frame.journal.records)
            if self.records_seen >= 1:
                break
        await asyncio.sleep(3600)


async def test_slow_master_bounds_agent_memory_and_reports_the_gap() -> None:
    server = grpc.aio.server()
    stalled = _StalledMaster()
    link_pb2_grpc.add_AgentLinkServicer_to_server(stalled, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        cfg = agent_settings(
            "edge", "lkt_x_" + "y" * 30, f"127.0.0.1:{port}", spool_max_records=1000
        )
        async with running_agent(cfg) as a:
            await a.core.uplink.connected.wait()
            for i in range(20_000):
                a.core.outbox.put(FindingBatch(()), now_ms=i)
                if i % 500 == 0:
                    await asyncio.sleep(0.01)
            await eventually(lambda: stalled.records_seen >= 1, what="first batch read")
            assert a.core.outbox.depth <= 1000
            assert a.core.outbox.dropped_total >= 19_000 - a.core.uplink._cfg.window
            held = a.core.outbox.after(0, 10)
            assert isinstance(held[0].body, Gap)
            assert held[0].body.dropped == a.core.outbox.dropped_total
    finally:
        await server.stop(0)
