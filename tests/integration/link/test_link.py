"""The agent <-> master link over real grpc.aio on port 0 with a real SQLite store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from agent.app import AgentCore
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc, resources_pb2
from tests.harness import (
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)


def _finding(i: int) -> FindingBatch:
    f = Finding(
        fingerprint=f"fp-{i}",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", "default", f"web-{i}"),
        message="back-off restarting failed container",
        first_seen_ms=1,
        last_seen_ms=1,
    )
    return FindingBatch((f,))


def _pod(name: str, rv: str = "1") -> Resource:
    return Resource(ref=ObjectRef("Pod", "default", name, f"uid-{name}"), resource_version=rv)


async def test_agent_handshake_delivers_snapshot_and_journal(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge-1")
    async with running_master(settings) as m:
        agent_cfg = agent_settings("edge-1", token, m.address)
        async with running_agent(agent_cfg) as a:
            a.core.mirror.upsert(_pod("web-0"))
            a.core.outbox.put(_finding(0), now_ms=1)
            await eventually(lambda: len(m.handled) == 1, what="journal record handled")
            state = m.master.hub.cluster("edge-1")
            assert state is not None
            await eventually(lambda: state.get("Pod", "default", "web-0") is not None)
            assert m.master.hub.status(state) == "connected"
            assert state.agent.version
            assert "fp-0" in state.findings
            await eventually(lambda: a.core.outbox.acked == 1, what="ack reached the agent")


async def test_the_first_snapshot_waits_until_the_sources_settled(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge-1")
    async with running_master(settings) as m:
        async with running_agent(agent_settings("edge-1", token, m.address)) as a:
            a.core.mirror.hold_snapshots()  # as run_sources does; the uplink has not run yet
            a.core.mirror.upsert(_pod("web-0"))
            a.core.outbox.put(_finding(0), now_ms=1)
            await eventually(lambda: len(m.handled) == 1, what="journal flows meanwhile")
            state = m.master.hub.cluster("edge-1")
            assert state is not None
            assert not state.synced  # no half-listed cluster presented as complete
            assert state.get("Pod", "default", "web-0") is None
            a.core.mirror.upsert(_pod("web-1"))
            a.core.mirror.release_snapshots()
            await eventually(lambda: state.synced, what="snapshot after the sources settled")
            assert state.get("Pod", "default", "web-0") is not None
            assert state.get("Pod", "default", "web-1") is not None


async def _refused(address: str, hello: link_pb2.Hello) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as channel:
        call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
        await call.write(link_pb2.AgentFrame(hello=hello))
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call.read()
        return info.value


async def test_unknown_revoked_and_foreign_tokens_are_refused(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token_a = await add_cluster(settings, "a")
    await add_cluster(settings, "b")
    async with running_master(settings) as m:
        err = await _refused(m.address, link_pb2.Hello(cluster="a", token="lkt_nope_" + "x" * 40))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "unknown agent token" in (err.details() or "")

        err = await _refused(m.address, link_pb2.Hello(cluster="b", token=token_a))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "another cluster" in (err.details() or "")

        err = await _refused(m.address, link_pb2.Hello(cluster="a", token="garbage"))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED

        await m.master.store.clusters.revoke("a", 2)
        err = await _refused(m.address, link_pb2.Hello(cluster="a", token=token_a))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "revoked" in (err.details() or "")
        state = m.master.hub.cluster("a")
        assert state is None or not state.stream_open


async def test_zero_loss_across_two_master_restarts(tmp_path: Path) -> None:
    """10,000 records while the master is stopped and restarted twice mid-stream: every
    sequence number is handled exactly once, in order."""
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    handled: list[int] = []
    total = 10_000
    port = 0
    async with running_master(settings) as m:
        port = m.master.grpc_port
        # Fixed port from now on so the agent redials the same address after restarts.
        settings = master_settings(tmp_path / "m", grpc_listen=f"127.0.0.1:{port}")
        agent_cfg = agent_settings("edge", token, m.address)
        async with running_agent(agent_cfg) as a:
            produced = 0

            async def produce(upto: int) -> None:
                nonlocal produced
                while produced < upto:
                    a.core.outbox.put(_finding(produced), now_ms=produced)
                    produced += 1
                    if produced % 250 == 0:
                        await asyncio.sleep(0)

            await produce(3_000)
            await eventually(lambda: len(m.handled) > 500, what="first records handled")
            await m.shutdown()
            handled += [seq for _, seq in m.handled]
            await produce(6_000)  # produced while the master is down
            for round_ in range(2):
                async with running_master(settings) as m2:
                    if round_ == 0:
                        await eventually(lambda: len(m2.handled) > 100, what="replay started")
                        await produce(8_000)
                        await m2.shutdown()
                        handled += [seq for _, seq in m2.handled]
                        continue
                    await produce(total)
                    await eventually(
                        lambda: a.core.outbox.acked == total, timeout=30, what="all acked"
                    )
                    handled += [seq for _, seq in m2.handled]
    assert handled == list(range(1, total + 1))


async def test_agent_restart_with_disk_spool_loses_nothing(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    spool = tmp_path / "agent" / "spool.bin"
    # First agent process: records produced while no master is reachable.
    cfg = agent_settings("edge", token, "127.0.0.1:1", spool_path=spool)
    async with running_agent(cfg) as a:
        for i in range(50):
            a.core.outbox.put(_finding(i), now_ms=i)
    async with running_master(settings) as m:
        cfg = agent_settings("edge", token, m.address, spool_path=spool)
        async with running_agent(cfg) as a2:
            assert a2.core.outbox.depth == 50
            a2.core.outbox.put(_finding(50), now_ms=50)
            await eventually(lambda: a2.core.outbox.acked == 51, what="spool replayed")
        assert [seq for _, seq in m.handled] == list(range(1, 52))


async def test_resync_after_reconnect_drops_objects_deleted_while_away(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        settings = master_settings(tmp_path / "m", grpc_listen=m.address)
        cfg = agent_settings("edge", token, m.address)
        async with running_agent(cfg) as a:
            a.core.mirror.replace_kind("Pod", [_pod("keep"), _pod("doomed")])
            state = m.master.hub.cluster("edge")
            assert state is not None
            await eventually(lambda: state.get("Pod", "default", "doomed") is not None)
            await m.shutdown()
            a.core.mirror.replace_kind("Pod", [_pod("keep", "2"), _pod("new")])
            async with running_master(settings) as m2:
                state2 = m2.master.hub.cluster("edge")
                assert state2 is not None
                await eventually(lambda: state2.synced and state2.stream_open, what="resynced")
                assert state2.get("Pod", "default", "doomed") is None
                assert state2.get("Pod", "default", "new") is not None
                got = state2.get("Pod", "default", "keep")
                assert got is not None and got.resource_version == "2"


async def test_second_connection_replaces_the_first(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        cfg = agent_settings("edge", token, m.address)
        async with running_agent(cfg) as first:
            await first.core.uplink.connected.wait()
            async with running_agent(cfg) as second:
                await eventually(lambda: second.core.uplink.connected.is_set())
                await eventually(
                    lambda: "ABORTED" in first.core.uplink.last_error, what="first replaced"
                )
                live = m.master.link.registry.live("edge")
                assert live is not None
                state = m.master.hub.cluster("edge")
                assert state is not None and state.agent.instance_id == (
                    second.core.uplink._cfg.instance_id
                )


async def _raw_stream(
    address: str, token: str, *frames: link_pb2.AgentFrame
) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as channel:
        call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
        for frame in frames:
            await call.write(frame)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            while True:
                await call.read()
        return info.value


async def test_bad_frames_close_only_that_stream(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "good")
    bad_token = await add_cluster(settings, "bad")
    async with running_master(settings) as m:
        async with running_agent(agent_settings("good", token, m.address)) as good:
            await good.core.uplink.connected.wait()
            journal_first = link_pb2.AgentFrame(journal=link_pb2.JournalBatch())
            err = await _raw_stream(m.address, bad_token, journal_first)
            assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "first frame must be hello" in (err.details() or "")

            hello = link_pb2.AgentFrame(hello=link_pb2.Hello(cluster="bad", token=bad_token))
            unknown_kind = link_pb2.AgentFrame(delta=resources_pb2.ResourceDelta(kind="Wombat"))
            err = await _raw_stream(m.address, bad_token, hello, unknown_kind)
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "unknown kind 'Wombat'" in (err.details() or "")

            no_body = link_pb2.AgentFrame(
                journal=link_pb2.JournalBatch(records=[link_pb2.JournalRecord(seq=1)])
            )
            err = await _raw_stream(m.address, bad_token, hello, no_body)
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "no body" in (err.details() or "")

            skipping = link_pb2.AgentFrame(
                journal=link_pb2.JournalBatch(
                    records=[
                        link_pb2.JournalRecord(
                            seq=5, gap=link_pb2.Gap(first_seq=5, last_seq=5, dropped=1)
                        )
                    ]
                )
            )
            err = await _raw_stream(m.address, bad_token, hello, skipping)
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "expected" in (err.details() or "")

            # The well-behaved agent is unaffected.
            good.core.outbox.put(_finding(1), now_ms=1)
            await eventually(lambda: good.core.outbox.acked == 1, what="good agent still served")


async def test_a_restarted_agent_with_a_memory_spool_loses_nothing(tmp_path: Path) -> None:
    """The new process numbers from 1 again while the master's mark is where the old process
    left off; the records it produced before connecting must not be taken as handled."""
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        cfg = agent_settings("edge", token, m.address)
        async with running_agent(cfg) as first:
            for i in range(50):
                first.core.outbox.put(_finding(i), now_ms=i)
            await eventually(lambda: first.core.outbox.acked == 50, what="first agent acked")
        core = AgentCore(cfg)  # a new process: fresh memory spool, numbering from 1
        for i in range(50, 60):
            core.outbox.put(_finding(i), now_ms=i)
        stop = asyncio.Event()
        task = asyncio.create_task(core.uplink.run(stop))
        try:
            await eventually(lambda: core.outbox.acked == 60, what="second agent acked")
        finally:
            stop.set()
            await task
            core.close()
        state = m.master.hub.cluster("edge")
        assert state is not None
        assert {f"fp-{i}" for i in range(60)} <= set(state.findings)
        assert [seq for _, seq in m.handled] == list(range(1, 61))


async def test_the_store_records_each_session_with_the_agent_that_opened_it(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        async with running_agent(agent_settings("edge", token, m.address)) as a:
            await a.core.uplink.connected.wait()
            state = m.master.hub.cluster("edge")
            assert state is not None
            [opened] = await m.master.store.journal.sessions("edge")
            assert opened.session_id == state.agent.session_id
            assert (opened.instance_id, opened.agent_version) == (
                state.agent.instance_id,
                state.agent.version,
            )
            assert opened.instance_id and opened.agent_version
            assert opened.disconnected_ms is None
        for _ in range(200):  # the master sees the stream end a moment after the agent
            [closed] = await m.master.store.journal.sessions("edge")
            if closed.disconnected_ms is not None:
                break
            await asyncio.sleep(0.05)
        assert closed.disconnected_ms is not None
