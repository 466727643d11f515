"""The uplink's send loop: resource deltas wait for their window, the journal never does.

The gRPC call is the leaf seam: a fake that records the frames written."""

from __future__ import annotations

import asyncio
from typing import Any

from agent.outbox.spool import Outbox
from agent.snapshot.mirror import Mirror
from agent.uplink.stream import Uplink, UplinkConfig
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from shared.pb.lookout.v1 import link_pb2
from tests.harness import eventually


class _Call:
    def __init__(self) -> None:
        self.frames: list[link_pb2.AgentFrame] = []

    async def write(self, frame: link_pb2.AgentFrame) -> None:
        self.frames.append(frame)

    def kinds(self) -> list[str]:
        return [str(f.WhichOneof("frame")) for f in self.frames]

    def delta_names(self) -> list[list[str]]:
        return [
            [u.ref.name for u in f.delta.upserts]
            for f in self.frames
            if f.WhichOneof("frame") == "delta" and not f.delta.snapshot_id
        ]


def _pod(name: str) -> Resource:
    return Resource(
        ref=ObjectRef("Pod", "default", name, f"uid-{name}"),
        resource_version="1",
        labels={},
        health="ok",
        body_json=b"{}",
    )


def _uplink(window_s: float) -> tuple[Uplink, Mirror, Outbox]:
    wake = asyncio.Event()
    mirror = Mirror(wake=wake)
    outbox = Outbox(max_records=100, wake=wake)
    config = UplinkConfig(
        address="unused:0",
        cluster="c",
        token=lambda: "t",
        agent_version="0",
        instance_id="i",
        credentials=None,
        heartbeat_interval_s=3600.0,
        delta_window_s=window_s,
    )
    return Uplink(config, mirror=mirror, outbox=outbox, wake=wake), mirror, outbox


async def _sending(uplink: Uplink, call: _Call) -> asyncio.Task[None]:
    task = asyncio.create_task(uplink._send_loop(call, 0))  # type: ignore[arg-type]
    await eventually(lambda: "synced" in call.kinds(), what="the first snapshot")
    return task


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_change_inside_the_window_waits_while_a_journal_record_goes_at_once() -> None:
    uplink, mirror, outbox = _uplink(window_s=3600.0)
    mirror.attach()
    call = _Call()
    task = await _sending(uplink, call)
    try:
        mirror.upsert(_pod("first"))  # after a quiet spell: at once
        await eventually(lambda: call.delta_names() == [["first"]], what="first delta")
        mirror.upsert(_pod("second"))
        outbox.put(FindingBatch(()), now_ms=1)
        await eventually(lambda: "journal" in call.kinds(), what="journal record")
        for _ in range(5):
            await asyncio.sleep(0)
        assert call.delta_names() == [["first"]]
        assert mirror.pending == 1
    finally:
        await _stop(task)


async def test_without_a_window_every_change_goes_out_by_itself() -> None:
    uplink, mirror, _ = _uplink(window_s=0.0)
    mirror.attach()
    call = _Call()
    task = await _sending(uplink, call)
    try:
        mirror.upsert(_pod("first"))
        await eventually(lambda: call.delta_names() == [["first"]], what="first delta")
        mirror.upsert(_pod("second"))
        await eventually(lambda: len(call.delta_names()) == 2, what="second delta")
        assert call.delta_names() == [["first"], ["second"]]
    finally:
        await _stop(task)


async def test_a_send_drains_everything_pending_in_chunks() -> None:
    uplink, mirror, _ = _uplink(window_s=3600.0)
    mirror.attach()
    call = _Call()
    task = await _sending(uplink, call)
    try:
        names = [f"p{i}" for i in range(1_200)]
        for name in names:
            mirror.upsert(_pod(name))
        await eventually(lambda: mirror.pending == 0, what="all pending sent")
        frames: Any = call.delta_names()
        assert [len(f) for f in frames] == [500, 500, 200]
        assert [n for f in frames for n in f] == names
    finally:
        await _stop(task)
