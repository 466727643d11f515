"""The live event stream over real HTTP against a running master: changes an agent makes (over
the real link) arrive as events in the REST shapes, filtered by the caller's grants; streams
resume with Last-Event-ID or are told to resync; a client that stops reading is dropped
without the master holding its events; the cap, authentication and shutdown hold."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from master.datahub.cluster import ClusterState
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta
from tests.harness import RunningAgent, agent_settings, eventually, running_agent
from tests.integration.people.conftest import People, people_on, people_settings

ALL = "clusters,resources,findings,commands"
WAIT_S = 20.0  # for one expected event: generous, the condition ends the wait


@dataclass
class Event:
    id: int | None
    event: str
    data: Any  # parsed JSON; for a comment, its text


class EventReader:
    """Parses a text/event-stream body as the dashboard does (fetch streaming)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.seen: list[Event] = []

    async def next(self, timeout: float = WAIT_S) -> Event:
        fields: dict[str, str] = {}
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line.startswith(":"):
                    if not fields:
                        event = Event(None, "comment", line[1:].strip())
                        self.seen.append(event)
                        return event
                    continue
                if line == "":
                    if not fields:
                        continue
                    event = Event(
                        int(fields["id"]) if "id" in fields else None,
                        fields.get("event", "message"),
                        orjson.loads(fields["data"]),
                    )
                    self.seen.append(event)
                    return event
                name, _, value = line.partition(":")
                assert name not in fields, f"field {name} twice in one event: {line!r}"
                fields[name] = value.removeprefix(" ")
        raise EOFError("the stream ended")

    async def until(self, check: Callable[[Event], bool], timeout: float = WAIT_S) -> Event:
        async with asyncio.timeout(timeout):
            while not check(event := await self.next(timeout)):
                pass
        return event


@contextlib.asynccontextmanager
async def events(
    p: People, role: str = "admin", query: str = f"topics={ALL}", **headers: str
) -> AsyncIterator[EventReader]:
    hdrs = {**p.auth(role), **headers}
    async with p.http.stream("GET", f"/api/v1/stream?{query}", headers=hdrs, timeout=60) as r:
        assert r.status_code == 200, await r.aread()
        yield EventReader(r)


def pod(name: str, ns: str = "shop", rv: str = "1", body: bytes = b'{"spec":{}}') -> Resource:
    return Resource(ObjectRef("Pod", ns, name, f"uid-{ns}-{name}"), rv, {"app": name}, "ok", body)


def is_resource(name: str, op: str = "upsert") -> Callable[[Event], bool]:
    return lambda e: e.event == "resource" and e.data["name"] == name and e.data["op"] == op


async def edge_agent(p: People) -> contextlib.AbstractAsyncContextManager[RunningAgent]:
    r = await p.http.post("/api/v1/clusters/edge/token", headers=p.auth("admin"))
    assert r.status_code == 201, r.text
    return running_agent(agent_settings("edge", r.json()["token"], p.master.address))


def edge(p: People) -> ClusterState:
    state = p.master.master.hub.cluster("edge")
    assert state is not None
    return state


@pytest.fixture
async def lively(tmp_path: Path) -> AsyncIterator[People]:
    """People on a master whose clusters go reconnecting/offline within seconds, with fast
    heartbeats and cluster checks, so that tests wait on events, not on defaults."""
    settings = people_settings(
        tmp_path / "m",
        reconnecting_after_s=1.0,
        offline_after_s=2.0,
        stream={"heartbeat_s": 0.3, "cluster_check_s": 0.1, "flush_s": 0.02, "recheck_s": 0.2},
    )
    async with people_on(settings) as p:
        yield p


async def test_agent_changes_arrive_as_events_in_the_rest_shapes(lively: People) -> None:
    p = lively
    async with events(p) as stream:
        hello = await stream.next()
        assert (hello.event, hello.data["reason"]) == ("resync", "hello")
        async with await edge_agent(p) as agent:
            agent.core.mirror.replace_kind("Pod", [pod("web-0")])

            def connected_and_synced(_: Event) -> bool:
                kinds = {
                    (e.event, str(e.data.get("status") or e.data.get("reason")))
                    for e in stream.seen
                }
                return {("cluster", "connected"), ("resync", "snapshot")} <= kinds

            # in either order: the watcher's status check, and the first snapshot since the
            # master started, which is a resync of the cluster (not 5,000 upserts)
            await stream.until(connected_and_synced)
            [snapshot] = [e for e in stream.seen if e.event == "resync" and e.id != hello.id]
            assert snapshot.data == {"reason": "snapshot", "cluster": "edge"}
            connected = next(e for e in stream.seen if e.event == "cluster")
            r = await p.http.get("/api/v1/clusters", headers=p.auth("admin"))
            assert connected.data.keys() == r.json()["items"][0].keys()
            await eventually(lambda: edge(p).synced, what="edge synced")
            agent.core.mirror.upsert(pod("web-1", rv="2"))
            upsert = await stream.until(is_resource("web-1"))
            r = await p.http.get(
                "/api/v1/clusters/edge/resources?kind=Pod&q=web-1", headers=p.auth("admin")
            )
            assert upsert.data["object"] == r.json()["items"][0]
            assert upsert.data | {"object": None} == {
                "cluster": "edge",
                "kind": "Pod",
                "op": "upsert",
                "namespace": "shop",
                "name": "web-1",
                "object": None,
            }
            agent.core.mirror.delete(pod("web-1").ref)
            deleted = await stream.until(is_resource("web-1", "delete"))
            assert deleted.data["object"] is None and deleted.id > upsert.id

            crash = Finding(
                "fp-crash",
                "CrashLoopBackOff",
                Severity.CRITICAL,
                "pod",
                ObjectRef("Pod", "shop", "web-0"),
                "crash looping",
                1,
                2,
            )
            agent.core.outbox.put(FindingBatch((crash,)), now_ms=2)
            opened = await stream.until(lambda e: e.event == "finding")
            r = await p.http.get("/api/v1/clusters/edge/findings", headers=p.auth("admin"))
            assert opened.data == {
                "cluster": "edge",
                "op": "opened",
                "finding": r.json()["items"][0],
            }

            command = {
                "type": "describe",
                "target": {"kind": "Pod", "namespace": "shop", "name": "x"},
            }
            r = await p.http.post(
                "/api/v1/clusters/edge/commands", json=command, headers=p.auth("operator")
            )
            assert r.status_code == 202, r.text
            command_id = r.json()["id"]
            await stream.until(
                lambda e: e.event == "command" and e.data["command"]["state"] == "sent"
            )
            # no executor runs in this agent: cancelling is the command's last transition
            r = await p.http.post(
                f"/api/v1/commands/{command_id}/cancel", headers=p.auth("operator")
            )
            assert r.status_code == 202, r.text
            final = await stream.until(
                lambda e: e.event == "command" and e.data["command"]["terminal"]
            )
            assert final.data["command"]["id"] == command_id
            states = [
                e.data["command"]["state"]
                for e in stream.seen
                if e.event == "command" and e.data["command"]["id"] == command_id
            ]
            assert states[0] in ("pending", "sent") and states[-1] == "cancelled"
            r = await p.http.get(f"/api/v1/commands/{command_id}", headers=p.auth("admin"))
            assert final.data["command"] == r.json()
        # the agent is gone: the cluster goes reconnecting, then offline, without a frame
        offline = await stream.until(
            lambda e: e.event == "cluster" and e.data["status"] == "offline"
        )
        assert offline.data["name"] == "edge"
        ids = [e.id for e in stream.seen if e.id is not None and e.event != "resync"]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_a_namespace_viewer_sees_only_her_clusters_and_namespace(lively: People) -> None:
    p = lively
    async with events(p, "scoped") as nina, events(p, "admin") as admin:
        await nina.next()
        await admin.next()
        r = await p.http.post("/api/v1/clusters", json={"name": "core"}, headers=p.auth("admin"))
        assert r.status_code == 201, r.text
        await admin.until(lambda e: e.event == "cluster" and e.data["name"] == "core")
        async with await edge_agent(p) as agent:
            agent.core.mirror.replace_kind("Pod", [])
            await eventually(lambda: edge(p).synced, what="edge synced")
            agent.core.mirror.upsert(pod("secret", ns="default"))
            agent.core.mirror.upsert(Resource(ObjectRef("Node", "", "n1"), "1", {}, "ok", b"{}"))
            await admin.until(is_resource("secret"))
            agent.core.mirror.upsert(pod("mine", ns="shop"))
            await nina.until(is_resource("mine"))
            await admin.until(is_resource("mine"))
    # everything nina got before "mine": her cluster's facts and her namespace's objects only
    assert {e.data["name"] for e in nina.seen if e.event == "resource"} == {"mine"}
    assert {e.data["name"] for e in nina.seen if e.event == "cluster"} <= {"edge"}
    assert {e.data["name"] for e in admin.seen if e.event == "resource"} >= {"secret", "n1", "mine"}


async def test_last_event_id_resumes_and_an_expired_one_is_told_to_resync(
    tmp_path: Path,
) -> None:
    settings = people_settings(tmp_path / "m", stream={"ring_events": 50, "flush_s": 0.0})
    async with people_on(settings) as p:
        hub = p.master.master.hub
        state = hub.ensure("edge")
        async with events(p) as stream:
            hello = await stream.next()
            assert hello.event == "resync" and hello.id == hub.changes.head
        # while away: three changes; then resume from the hello's id
        state.apply_delta(ResourceDelta("Pod", upserts=(pod("a"), pod("b"), pod("c"))))
        async with events(p, **{"Last-Event-ID": str(hello.id)}) as stream:
            got = [await stream.next() for _ in range(3)]
            assert [(e.event, e.data["name"]) for e in got] == [
                ("resource", "a"),
                ("resource", "b"),
                ("resource", "c"),
            ]
            last = got[-1].id
        # away for longer than the ring holds
        state.apply_delta(ResourceDelta("Pod", upserts=tuple(pod(f"p{i}") for i in range(60))))
        async with events(p, **{"Last-Event-ID": str(last)}) as stream:
            first = await stream.next()
            assert (first.event, first.data["reason"]) == ("resync", "expired")
            assert first.id == hub.changes.head
        async with events(p, **{"Last-Event-ID": "12"}) as stream:  # a much older master's
            assert (await stream.next()).data["reason"] == "restarted"


async def test_a_client_that_stops_reading_is_dropped_and_costs_no_queue(tmp_path: Path) -> None:
    settings = people_settings(
        tmp_path / "m", stream={"write_timeout_s": 0.5, "flush_s": 0.0, "heartbeat_s": 0.5}
    )
    async with people_on(settings) as p:
        streams = p.master.master.gateway.streams
        feed = p.master.master.hub.changes
        state = p.master.master.hub.ensure("edge")
        # A raw socket with a tiny receive window that reads nothing after the request.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", p.master.master.http_port))
        request = (
            f"GET /api/v1/stream?topics=resources HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {p.tokens['admin']}\r\n\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        try:
            await eventually(lambda: streams.open == 1, what="the stream open")
            async with events(p, query="topics=clusters") as reader:  # a healthy stream too
                await reader.next()
                body = b'{"pad":"' + b"x" * 8000 + b'"}'
                # Deltas applied where the ingress applies them: loopback TCP buffers take
                # megabytes, more than an agent's test mirror is worth sending here.
                for round_ in range(100):
                    if streams.dropped:
                        break
                    pods = tuple(pod(f"p{i}", rv=str(round_), body=body) for i in range(200))
                    state.apply_delta(ResourceDelta("Pod", upserts=pods))
                    assert feed.held <= feed.capacity  # the only place events are held
                    await asyncio.sleep(0.05)
                await eventually(lambda: streams.dropped == 1, what="the slow stream dropped")
                await eventually(lambda: streams.open == 1, what="only the healthy one open")
                # the healthy stream was not held up by the slow one
                await asyncio.sleep(0)
                assert (await reader.next()).event in ("comment", "cluster")
        finally:
            sock.close()
        await eventually(lambda: streams.open == 0, what="no stream open")


async def test_streams_past_the_cap_are_refused_with_retry_after(tmp_path: Path) -> None:
    settings = people_settings(tmp_path / "m", stream={"clients_max": 1})
    async with people_on(settings) as p, events(p) as first:
        await first.next()
        r = await p.http.get(f"/api/v1/stream?topics={ALL}", headers=p.auth("viewer"))
        assert r.status_code == 503
        assert int(r.headers["retry-after"]) > 0
        assert "event streams are open" in r.json()["message"]


async def test_a_stream_needs_a_token_and_names_its_topics(lively: People) -> None:
    p = lively
    r = await p.http.get(f"/api/v1/stream?topics={ALL}")
    assert r.status_code == 401
    r = await p.http.get("/api/v1/stream", headers=p.auth("viewer"))
    assert r.status_code == 400 and "clusters" in r.json()["message"]
    r = await p.http.get("/api/v1/stream?topics=pods", headers=p.auth("viewer"))
    assert r.status_code == 400
    r = await p.http.get("/api/v1/stream?topics=clusters&cluster=core", headers=p.auth("scoped"))
    assert r.status_code == 404  # a cluster she cannot see is as unknown as a missing one


async def test_a_quiet_stream_has_heartbeats_and_stream_headers(lively: People) -> None:
    async with events(lively, "viewer", query="topics=commands") as stream:
        headers = stream.response.headers
        assert headers["content-type"].startswith("text/event-stream")
        assert headers["cache-control"] == "no-store"
        assert headers["x-accel-buffering"] == "no"
        assert headers["x-content-type-options"] == "nosniff"  # the middlewares passed it on
        await stream.next()
        beat = await stream.next()
        assert (beat.event, beat.data) == ("comment", "hb")


async def test_shutdown_ends_open_streams_instead_of_waiting_for_them(lively: People) -> None:
    p = lively
    async with events(p) as one, events(p, "scoped") as two:
        await one.next()
        await two.next()
        await p.master.shutdown()  # bounded: fails if the HTTP server waits on the streams
        for stream in (one, two):
            with pytest.raises(EOFError):
                while True:
                    await stream.next()


async def test_a_stream_ends_when_its_credentials_stop_holding(lively: People) -> None:
    p = lively
    async with events(p, "viewer") as vera, events(p, "operator") as otto:
        await vera.next()
        await otto.next()
        r = await p.http.patch(
            "/api/v1/users/vera", json={"disabled": True}, headers=p.auth("admin")
        )
        assert r.status_code == 200, r.text
        with pytest.raises(EOFError):
            while True:  # heartbeats until the next re-check, then the end (no event)
                assert (await vera.next()).event == "comment"
        assert (await otto.next()).event == "comment"  # others are not affected
    r = await p.http.get("/api/v1/stream?topics=clusters", headers=p.auth("viewer"))
    assert r.status_code == 401
