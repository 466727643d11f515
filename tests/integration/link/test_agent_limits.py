"""An authenticated agent sending a dense and malformed frame set, over real gRPC on port 0 with
a real SQLite store: each frame is bounded or refused as ``master.datahub.limits`` draws it, the
master holds no more than its bounds, and another cluster connected at the same time keeps its
state and its stream."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import httpx
import orjson
import pytest

from master.datahub.cluster import ClusterState
from master.datahub.limits import REASON
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from shared.pb.lookout.v1 import commands_pb2, findings_pb2, link_pb2, link_pb2_grpc
from shared.pb.lookout.v1 import resources_pb2 as rpb
from tests.harness import (
    API_TOKEN,
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)

log = logging.getLogger(__name__)

LIMITS = {"objects_per_kind": 50_000, "journal_items": 10_000, "active_findings": 20_000}


def _rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RawAgent:
    """A hand-driven stream: whatever frames the test writes, with journal sequence numbers
    continuing from the master's welcome."""

    def __init__(self, call: Any) -> None:
        self.call = call
        self.seq = 0

    async def send(self, *frames: link_pb2.AgentFrame) -> None:
        for frame in frames:
            await self.call.write(frame)

    def record(self, **body: Any) -> link_pb2.JournalRecord:
        self.seq += 1
        return link_pb2.JournalRecord(seq=self.seq, created_ms=1, **body)

    async def journal(self, *records: link_pb2.JournalRecord) -> None:
        """Send one frame of ``records`` and wait for their ack: every earlier frame on this
        stream has then been applied (the reader handles frames in order)."""
        await self.send(link_pb2.AgentFrame(journal=link_pb2.JournalBatch(records=records)))
        want = records[-1].seq
        while True:
            frame = await self.call.read()
            if frame.WhichOneof("frame") == "ack" and frame.ack.seq >= want:
                return

    async def barrier(self) -> None:
        await self.journal(self.record(findings=findings_pb2.FindingBatch()))

    async def closed(self) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            while True:
                await self.call.read()
        return info.value


@asynccontextmanager
async def raw_agent(address: str, cluster: str, token: str) -> AsyncIterator[RawAgent]:
    async with grpc.aio.insecure_channel(address) as channel:
        call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
        hello = link_pb2.Hello(cluster=cluster, token=token, instance_id="raw")
        await call.write(link_pb2.AgentFrame(hello=hello))
        welcome = await call.read()
        agent = RawAgent(call)
        agent.seq = welcome.welcome.resume_after_seq
        yield agent
        call.cancel()


def _pods(first: int, count: int, rv: str = "1") -> link_pb2.AgentFrame:
    upserts = [
        rpb.Resource(
            ref=rpb.ObjectRef(kind="Pod", namespace="ns", name=f"p{i}", uid=f"u{i}"),
            resource_version=rv,
            health="ok",
            body_json=b'{"spec":{"nodeName":"n1"}}',
        )
        for i in range(first, first + count)
    ]
    return link_pb2.AgentFrame(delta=rpb.ResourceDelta(kind="Pod", upserts=upserts))


def _findings(first: int, count: int) -> findings_pb2.FindingBatch:
    return findings_pb2.FindingBatch(
        findings=[
            findings_pb2.Finding(
                fingerprint=f"{i:032x}",
                reason="R",
                severity=findings_pb2.SEVERITY_WARNING,
                subject=rpb.ObjectRef(kind="Pod", namespace="ns", name=f"p{i}"),
            )
            for i in range(first, first + count)
        ]
    )


def _good_finding(i: int) -> FindingBatch:
    subject = ObjectRef("Pod", "default", f"web-{i}")
    f = Finding(f"{i:032x}", "CrashLoopBackOff", Severity.CRITICAL, "pod", subject, "m", 1, 1)
    return FindingBatch((f,))


async def _expect_closed(
    address: str, token: str, frames: Sequence[link_pb2.AgentFrame], code: grpc.StatusCode
) -> str:
    async with raw_agent(address, "bad", token) as bad:
        await bad.send(*frames)
        err = await bad.closed()
    assert err.code() == code, err.details()
    return err.details() or ""


async def test_a_hostile_agent_is_bounded_and_another_cluster_is_unaffected(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m", limits=LIMITS)
    good_token = await add_cluster(settings, "good")
    bad_token = await add_cluster(settings, "bad")
    async with running_master(settings) as m:
        hub = m.master.hub
        async with running_agent(agent_settings("good", good_token, m.address)) as good:
            await good.core.uplink.connected.wait()
            good.core.mirror.upsert(
                Resource(ObjectRef("Pod", "default", "web-0", "u"), "1", body_json=b'{"a":1}')
            )
            good.core.outbox.put(_good_finding(0), now_ms=1)
            await eventually(lambda: good.core.outbox.acked == 1, what="good agent served")
            good_state = hub.cluster("good")
            assert good_state is not None
            good_session = good_state.agent.session_id
            rss_before = _rss_mib()

            bad_state = await _flood(m.address, bad_token, hub_state=lambda: hub.cluster("bad"))
            rss_after = _rss_mib()
            log.warning("RSS %.1f MiB -> %.1f MiB over the flood", rss_before, rss_after)
            await _malformed(m.address, bad_token, m.master.http_port, bad_state)

            # The well-behaved cluster: same session, its state whole, still served.
            assert good_state.agent.session_id == good_session and good_state.stream_open
            assert hub.status(good_state) == "connected"
            assert good_state.limits == {}
            assert good_state.get("Pod", "default", "web-0") is not None
            assert set(good_state.findings) == {f"{0:032x}"}
            good.core.outbox.put(_good_finding(1), now_ms=2)
            good.core.mirror.upsert(Resource(ObjectRef("Pod", "default", "web-1", "u1"), "1"))
            await eventually(lambda: good.core.outbox.acked == 2, what="good agent still acked")
            await eventually(lambda: good_state.get("Pod", "default", "web-1") is not None)
            async with _api(m.master.http_port) as http:
                view = (await http.get("/clusters/good")).json()
                assert view["limits"]["degraded"] is False and view["status"] == "connected"


async def _flood(address: str, token: str, *, hub_state: Any) -> ClusterState:
    """10^5 objects of one kind and more findings than the bound: held up to the bounds."""
    async with raw_agent(address, "bad", token) as bad:
        for first in range(0, 100_000, 500):
            await bad.send(_pods(first, 500))
        await bad.barrier()
        state: ClusterState = hub_state()
        assert len(state.resources["Pod"]) == LIMITS["objects_per_kind"]
        assert ("objects_per_kind", "Pod") in state.limits
        assert state.limits[("objects_per_kind", "Pod")].refused == 50_000
        # Updates of known objects still apply; new ones are still refused.
        await bad.send(_pods(0, 1, rv="2"), _pods(99_999, 1))
        await bad.barrier()
        assert state.resources["Pod"][("ns", "p0")].resource_version == "2"
        assert ("ns", "p99999") not in state.resources["Pod"]

        for first in range(0, 30_000, 10_000):
            await bad.journal(bad.record(findings=_findings(first, 10_000)))
        agent_findings = [f for f in state.findings.values() if f.reason != REASON]
        assert len(agent_findings) == LIMITS["active_findings"]
        assert state.limits[("active_findings", "")].refused == 10_000
        reasons = {f.attrs.get("limit") for f in state.findings.values() if f.reason == REASON}
        assert reasons == {"objects_per_kind", "active_findings"}
        return state


async def _malformed(address: str, token: str, http_port: int, state: ClusterState) -> None:
    # A huge finding list in one record: refused whole before decoding, stream closed.
    async with raw_agent(address, "bad", token) as bad:
        huge = bad.record(findings=_findings(100_000, 50_000))
        await bad.send(link_pb2.AgentFrame(journal=link_pb2.JournalBatch(records=[huge])))
        err = await bad.closed()
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err.details()
    assert "holds 50000 items" in (err.details() or "")
    hit = state.limits[("journal_items", "")]
    assert hit.refused == 50_000
    assert len(state.findings) <= LIMITS["active_findings"] + len(state.limits)

    details = await _expect_closed(
        address,
        token,
        [_bodies(b'{"a":1}],"next_cursor":"x","items":[{')],
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "resource body is not JSON" in details
    details = await _expect_closed(
        address, token, [_bodies(b"[1, 2]")], grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "not an object" in details
    assert state.get("Pod", "x", "evil") is None

    status = link_pb2.AgentStatus(sources=[rpb.SourceStatus(kind="Wombat", state="synced")])
    details = await _expect_closed(
        address, token, [link_pb2.AgentFrame(status=status)], grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "unknown kind 'Wombat'" in details and "Wombat" not in state.sources
    synced = rpb.Synced(snapshot_id=7, kinds=["Pod", "Wombat"])
    details = await _expect_closed(
        address, token, [link_pb2.AgentFrame(synced=synced)], grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "unknown kind 'Wombat'" in details

    mark = state.hwm
    async with raw_agent(address, "bad", token) as bad:
        seq = bad.seq + 1
        gap = link_pb2.JournalRecord(
            seq=seq, gap=link_pb2.Gap(first_seq=seq, last_seq=2**63, dropped=1)
        )
        await bad.send(link_pb2.AgentFrame(journal=link_pb2.JournalBatch(records=[gap])))
        err = await bad.closed()
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "invalid range" in (
        err.details() or ""
    )
    assert state.hwm == mark

    await _invalid_result(address, token, http_port, state)


def _bodies(body: bytes) -> link_pb2.AgentFrame:
    evil = rpb.Resource(
        ref=rpb.ObjectRef(kind="Pod", namespace="x", name="evil"),
        resource_version="1",
        body_json=body,
    )
    return link_pb2.AgentFrame(delta=rpb.ResourceDelta(kind="Pod", upserts=[evil]))


async def _invalid_result(address: str, token: str, http_port: int, state: ClusterState) -> None:
    """An invalid result_json is kept as an error marker: the command's outcome is stored and
    every read of it answers 200."""
    async with _api(http_port) as http:
        created = await http.post(
            "/clusters/bad/commands",
            json={"type": "cordon", "target": {"kind": "Node", "name": "n1"}},
        )
        assert created.status_code == 202, created.text
        command_id = created.json()["id"]
        async with raw_agent(address, "bad", token) as bad:
            update = commands_pb2.CommandUpdate(
                command_id=command_id,
                state=commands_pb2.COMMAND_STATE_SUCCEEDED,
                at_ms=5,
                result_json=b'{"cordoned": tru',
            )
            await bad.journal(bad.record(command_update=update))
            assert ("journal_items", "") not in state.limits  # the agent got past that frame
        got = await http.get(f"/commands/{command_id}")
        assert got.status_code == 200, got.text
        assert got.json()["state"] == "succeeded"
        assert got.json()["result"]["error"] == "invalid_result"
        listed = await http.get("/commands", params={"cluster": "bad"})
        assert listed.status_code == 200
        [row] = [c for c in listed.json()["items"] if c["id"] == command_id]
        assert orjson.dumps(row["result"]) == orjson.dumps(got.json()["result"])

        view = (await http.get("/clusters/bad")).json()
        assert view["limits"]["degraded"] is True
        exceeded = {(e["limit"], e["kind"]) for e in view["limits"]["exceeded"]}
        assert exceeded == {("objects_per_kind", "Pod"), ("active_findings", None)}
        assert view["resource_counts"]["Pod"] == LIMITS["objects_per_kind"]
        page = await http.get("/clusters/bad/resources", params={"kind": "Pod", "limit": 2})
        assert page.status_code == 200 and len(page.json()["items"]) == 2
        found = (await http.get("/clusters/bad/findings")).json()["items"]
        assert {f["reason"] for f in found} >= {REASON}


@asynccontextmanager
async def _api(port: int) -> AsyncIterator[httpx.AsyncClient]:
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/api/v1", headers=auth) as c:
        yield c
