"""Journal frames are group-committed per session while the master keeps reading the stream.

Real grpc.aio on port 0, the real link server, processor and SQLite store; the one seam is a
sink wrapper in front of the store's journal whose commit the test can hold open."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from master.app import open_store
from master.clusters import tokens
from master.datahub.hub import DataHub
from master.ingress.server import LinkOptions, LinkServer
from master.ingress.stream import SessionConfig
from master.processor.journal import JournalProcessor, JournalSink
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc
from shared.wire.journal import record_to_pb
from shared.wire.refs import delta_to_pb
from tests.harness import eventually, master_settings

CLUSTER = "edge"


class HeldSink:
    """The store's journal, with a gate the test closes to hold commits open."""

    def __init__(self, inner: JournalSink) -> None:
        self._inner = inner
        self.gate = asyncio.Event()
        self.gate.set()
        self.batches: list[list[int]] = []

    async def high_water_mark(self, cluster: str) -> int:
        return await self._inner.high_water_mark(cluster)

    async def commit(self, cluster: str, records: Sequence[JournalRecord], hwm: int) -> None:
        self.batches.append([r.seq for r in records])
        async with asyncio.timeout(30):
            await self.gate.wait()
        await self._inner.commit(cluster, records, hwm)


@dataclass
class Ingress:
    link: LinkServer
    hub: DataHub
    sink: HeldSink
    token: str
    store_hwm: JournalSink
    handled: list[int] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.link.port}"


@contextlib.asynccontextmanager
async def running_ingress(
    tmp_path: Path, *, journal_batch_max: int = 512
) -> AsyncIterator[Ingress]:
    store = await open_store(master_settings(tmp_path))
    try:
        issued = tokens.issue()
        await store.clusters.add(
            CLUSTER, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=1
        )
        hub = DataHub(reconnecting_after_s=15, offline_after_s=60)
        sink = HeldSink(store.journal)
        processor = JournalProcessor(hub, sink)
        link = LinkServer(
            LinkOptions(
                listen="127.0.0.1:0",
                credentials=None,
                session=SessionConfig(
                    heartbeat_interval_s=0.5, journal_batch_max=journal_batch_max
                ),
                max_message_bytes=4 * 1024 * 1024,
            ),
            hub=hub,
            processor=processor,
            tokens=store.clusters,
        )
        ingress = Ingress(link, hub, sink, issued.token, store.journal)

        async def _record(cluster: str, records: Sequence[JournalRecord]) -> None:
            ingress.handled.extend(r.seq for r in records)

        processor.subscribe(_record)
        await link.start()
        try:
            yield ingress
        finally:
            sink.gate.set()
            await link.stop(1.0)
            await processor.drain(5.0)
    finally:
        await store.close()


class RawAgent:
    """A hand-driven agent stream: frames go out exactly as the test writes them."""

    def __init__(self, call: grpc.aio.StreamStreamCall[link_pb2.AgentFrame, link_pb2.MasterFrame]):
        self.call = call
        self.acks: list[int] = []
        self.error: grpc.aio.AioRpcError | None = None
        self.ended = asyncio.Event()

    async def journal(self, *seqs: int) -> None:
        recs = [record_to_pb(JournalRecord(s, 0, FindingBatch(()))) for s in seqs]
        await self.call.write(link_pb2.AgentFrame(journal=link_pb2.JournalBatch(records=recs)))

    async def pod(self, name: str) -> None:
        ref = ObjectRef("Pod", "default", name, f"uid-{name}")
        delta = ResourceDelta("Pod", upserts=(Resource(ref=ref, resource_version="1"),))
        await self.call.write(link_pb2.AgentFrame(delta=delta_to_pb(delta)))

    async def receive(self) -> None:
        try:
            while True:
                frame = await self.call.read()
                if frame is grpc.aio.EOF:  # type: ignore[attr-defined]
                    return
                assert isinstance(frame, link_pb2.MasterFrame)
                if frame.WhichOneof("frame") == "ack":
                    self.acks.append(frame.ack.seq)
        except grpc.aio.AioRpcError as e:
            self.error = e
        finally:
            self.ended.set()


@contextlib.asynccontextmanager
async def raw_agent(ingress: Ingress) -> AsyncIterator[RawAgent]:
    async with grpc.aio.insecure_channel(ingress.address) as channel:
        call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
        await call.write(
            link_pb2.AgentFrame(hello=link_pb2.Hello(cluster=CLUSTER, token=ingress.token))
        )
        first = await asyncio.wait_for(call.read(), 10)
        assert isinstance(first, link_pb2.MasterFrame) and first.WhichOneof("frame") == "welcome"
        agent = RawAgent(call)
        receiver = asyncio.create_task(agent.receive())
        try:
            yield agent
        finally:
            call.cancel()
            await asyncio.gather(receiver, return_exceptions=True)


def _pod_seen(ingress: Ingress, name: str) -> bool:
    state = ingress.hub.cluster(CLUSTER)
    return state is not None and state.get("Pod", "default", name) is not None


async def test_frames_arriving_during_a_held_commit_go_into_one_next_commit(tmp_path: Path) -> None:
    async with running_ingress(tmp_path) as ingress, raw_agent(ingress) as agent:
        ingress.sink.gate.clear()
        await agent.journal(1)
        await eventually(lambda: ingress.sink.batches == [[1]], what="first commit started")
        await agent.journal(2, 3)
        await agent.journal(4)
        await agent.journal(5, 6)
        await agent.pod("marker")  # read after the three frames: they are all pending now
        await eventually(lambda: _pod_seen(ingress, "marker"), what="reader past the frames")
        assert ingress.sink.batches == [[1]]
        ingress.sink.gate.set()
        await eventually(lambda: agent.acks[-1:] == [6], what="final ack")
        assert ingress.sink.batches == [[1], [2, 3, 4, 5, 6]]
        assert ingress.handled == [1, 2, 3, 4, 5, 6]
        assert agent.acks == sorted(agent.acks)
        assert await ingress.store_hwm.high_water_mark(CLUSTER) == 6


async def test_a_delta_after_journal_frames_applies_while_their_commit_is_held(
    tmp_path: Path,
) -> None:
    async with running_ingress(tmp_path) as ingress, raw_agent(ingress) as agent:
        ingress.sink.gate.clear()
        await agent.journal(1, 2)
        await agent.journal(3)
        await agent.pod("web-0")
        await eventually(lambda: _pod_seen(ingress, "web-0"), what="delta applied")
        assert ingress.sink.batches == [[1, 2]]  # still held
        assert ingress.handled == [] and agent.acks == []
        ingress.sink.gate.set()
        await eventually(lambda: agent.acks[-1:] == [3], what="journal acked after release")
        assert ingress.handled == [1, 2, 3]


async def test_replayed_records_are_skipped_once_and_acks_stay_monotonic(tmp_path: Path) -> None:
    async with running_ingress(tmp_path) as ingress, raw_agent(ingress) as agent:
        await agent.journal(1, 2)
        await eventually(lambda: agent.acks[-1:] == [2], what="first ack")
        ingress.sink.gate.clear()
        await agent.journal(3)
        await eventually(lambda: ingress.sink.batches[-1:] == [[3]], what="commit of 3 held")
        await agent.journal(2, 3, 4)  # a replay overlapping both the stored and the held one
        await agent.journal(5)
        await agent.pod("marker")
        await eventually(lambda: _pod_seen(ingress, "marker"), what="reader past the replay")
        ingress.sink.gate.set()
        await eventually(lambda: agent.acks[-1:] == [5], what="final ack")
        assert ingress.sink.batches == [[1, 2], [3], [4, 5]]
        assert ingress.handled == [1, 2, 3, 4, 5]
        assert agent.acks == sorted(agent.acks)
        assert await ingress.store_hwm.high_water_mark(CLUSTER) == 5


async def test_a_sequence_hole_found_by_the_committer_ends_the_stream_as_before(
    tmp_path: Path,
) -> None:
    async with running_ingress(tmp_path) as ingress, raw_agent(ingress) as agent:
        ingress.sink.gate.clear()
        await agent.journal(1)
        await eventually(lambda: ingress.sink.batches == [[1]], what="commit of 1 held")
        await agent.journal(7)  # a hole: 2-6 never sent
        await agent.pod("marker")
        await eventually(lambda: _pod_seen(ingress, "marker"), what="reader past the hole")
        ingress.sink.gate.set()
        await asyncio.wait_for(agent.ended.wait(), 10)
        assert agent.error is not None
        assert agent.error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "journal record 7 arrived while 2 was expected" in (agent.error.details() or "")
        # The commit that had started completed exactly once; the hole never reached the store.
        assert ingress.handled == [1]
        assert ingress.sink.batches == [[1]]  # refused before the store
        assert await ingress.store_hwm.high_water_mark(CLUSTER) == 1


async def test_the_reader_stops_at_the_pending_bound_and_resumes_after_the_commit(
    tmp_path: Path,
) -> None:
    # Frames of at most 2 records, so the bound is 4 frames x 2 = 8 pending records.
    async with (
        running_ingress(tmp_path, journal_batch_max=2) as ingress,
        raw_agent(ingress) as agent,
    ):
        ingress.sink.gate.clear()
        await agent.journal(1)
        await eventually(lambda: ingress.sink.batches == [[1]], what="commit of 1 held")
        for first in (2, 4, 6, 8):
            await agent.journal(first, first + 1)  # pending 2..9: exactly the bound
        await agent.pod("before")
        await agent.journal(10, 11)  # would exceed it: the reader waits here
        await agent.pod("after")
        await eventually(lambda: _pod_seen(ingress, "before"), what="reader past 'before'")
        budget = ingress.link.session_config.journal_budget
        # The reader is inside its put of 10-11, waiting for room: it cannot have read on.
        await eventually(lambda: budget.waiting == 1, what="reader waiting at the bound")
        assert not _pod_seen(ingress, "after")
        ingress.sink.gate.set()
        await eventually(lambda: _pod_seen(ingress, "after"), what="reader resumed")
        await eventually(lambda: agent.acks[-1:] == [11], what="final ack")
        assert ingress.sink.batches == [[1], list(range(2, 10)), [10, 11]]
        assert ingress.handled == list(range(1, 12))


async def test_records_pending_when_the_agent_half_closes_are_still_committed(
    tmp_path: Path,
) -> None:
    async with running_ingress(tmp_path) as ingress, raw_agent(ingress) as agent:
        ingress.sink.gate.clear()
        await agent.journal(1)
        await eventually(lambda: ingress.sink.batches == [[1]], what="commit of 1 held")
        await agent.journal(2, 3)
        await agent.call.done_writing()
        await asyncio.sleep(0.1)  # let the master see the end of the stream while 2-3 wait
        ingress.sink.gate.set()
        await asyncio.wait_for(agent.ended.wait(), 10)
        assert ingress.handled == [1, 2, 3]
        assert await ingress.store_hwm.high_water_mark(CLUSTER) == 3


@pytest.mark.parametrize("frames", [1, 5])
async def test_an_idle_session_commits_each_frame_on_its_own(tmp_path: Path, frames: int) -> None:
    async with running_ingress(tmp_path) as ingress, raw_agent(ingress) as agent:
        for seq in range(1, frames + 1):
            await agent.journal(seq)
            await eventually(lambda s=seq: agent.acks[-1:] == [s], what=f"ack {seq}")
        assert ingress.sink.batches == [[s] for s in range(1, frames + 1)]
