"""One stream on the wire, against an in-memory ASGI peer: how it ends (client gone, master
stopping, credentials gone, a write the client never takes) and that it always lets go of its
place under the cap. Waits are conditions with timeouts, never durations asserted."""

from __future__ import annotations

import asyncio
from typing import Any

from master.auth.roles import GLOBAL, Grant, Grants, Role
from master.datahub.changes import ChangeFeed
from master.gateway.stream.registry import Streams
from master.gateway.stream.sending import EventStream
from master.gateway.stream.settings import StreamSettings
from master.gateway.stream.streams import Reader
from master.gateway.stream.viewers import Viewer, parse_topics

VERA = Grants.of((Grant(Role.VIEWER, GLOBAL),))
LIMIT_S = 10.0


class Peer:
    """The server side of one connection: records what the app sends, disconnects on demand,
    and (``stall``) stops taking body bytes, as a client that stopped reading makes it."""

    def __init__(self, *, stall: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gone = asyncio.Event()
        self.stall = stall
        self.wrote = asyncio.Event()

    async def send(self, message: Any) -> None:
        if self.stall and message["type"] == "http.response.body":
            await asyncio.Event().wait()  # never drains
        self.sent.append(message)
        if message.get("body"):
            self.wrote.set()

    async def receive(self) -> Any:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent)

    @property
    def ended(self) -> bool:
        last = self.sent[-1] if self.sent else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)


def _stream(
    streams: Streams, feed: ChangeFeed, grants: list[Grants | None] | None = None
) -> EventStream:
    reader = Reader(feed, Viewer(VERA, parse_topics("clusters")))
    answers = list(grants or [])

    async def recheck() -> Grants | None:
        return answers.pop(0) if answers else VERA

    streams.admit()
    return EventStream(streams=streams, reader=reader, opening=reader.start(None), recheck=recheck)


async def _run(stream: EventStream, peer: Peer) -> asyncio.Task[None]:
    task = asyncio.create_task(stream({"type": "http"}, peer.receive, peer.send))
    async with asyncio.timeout(LIMIT_S):
        await peer.wrote.wait()
    return task


async def test_a_disconnect_ends_the_stream_and_frees_its_place() -> None:
    streams, feed, peer = Streams(), ChangeFeed(10), Peer()
    task = await _run(_stream(streams, feed), peer)
    assert b"event: resync" in peer.body and streams.open == 1
    peer.gone.set()
    async with asyncio.timeout(LIMIT_S):
        await task
    assert streams.open == 0 and streams.dropped == 0


async def test_shutdown_ends_every_stream_with_a_complete_body() -> None:
    streams, feed = Streams(), ChangeFeed(10)
    peers = [Peer(), Peer()]
    tasks = [await _run(_stream(streams, feed), p) for p in peers]
    streams.close_all()
    async with asyncio.timeout(LIMIT_S):
        await asyncio.gather(*tasks)
    assert all(p.ended for p in peers) and streams.open == 0


async def test_a_busy_stream_still_has_its_credentials_rechecked() -> None:
    settings = StreamSettings(recheck_s=0.01, flush_s=0.0, heartbeat_s=60)
    streams, feed, peer = Streams(settings), ChangeFeed(1000), Peer()
    task = await _run(_stream(streams, feed, grants=[None]), peer)

    async def churn() -> None:
        while not task.done():
            feed.publish("cluster", cluster="edge", namespace=None, op="", subject={})
            await asyncio.sleep(0)

    async with asyncio.timeout(LIMIT_S):
        await asyncio.gather(task, churn())
    assert peer.ended and b"event: cluster" in peer.body
    assert b"unauthenticated" not in peer.body  # it just ends: nothing to refetch


async def test_a_client_that_takes_no_bytes_is_dropped_without_waiting_for_it() -> None:
    settings = StreamSettings(write_timeout_s=0.01)
    streams, feed, peer = Streams(settings), ChangeFeed(10), Peer(stall=True)
    stream = _stream(streams, feed)
    task = asyncio.create_task(stream({"type": "http"}, peer.receive, peer.send))
    async with asyncio.timeout(LIMIT_S):
        await task
    assert streams.dropped == 1 and streams.open == 0
    assert [m["type"] for m in peer.sent] == ["http.response.start"]  # no end it cannot send
