"""One open stream on the wire: an ASGI response that writes a ``Reader``'s frames until the
client goes, the master stops, or the client is too slow.

    start (headers) ─▶ opening frames ─▶ loop: frames when the feed moves (at most one write
    per ``flush_s``, ``batch_events`` per write) · ``: hb`` after ``heartbeat_s`` of silence ·
    credentials re-checked every ``recheck_s`` ─▶ end of body

Two tasks per stream, owned by a TaskGroup: the pump (above) and a watcher that waits for the
client's disconnect and cancels the pump (uvicorn drops writes after a disconnect silently,
so only ``receive`` tells). Shutdown cancels the pump too (``Streams.close_all``).

A slow client: every write waits at most ``write_timeout_s`` for the client to take the bytes
(uvicorn holds one write beyond its transport's high-water mark, then waits for it to drain),
and a stream the ring overtook is sent ``resync`` "behind"; either way it is dropped and
counted (``Streams.dropped``). A dropped stream whose last write never drained cannot end its
body cleanly; it is left to uvicorn, which closes the connection (and logs that the response
was incomplete)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from starlette.types import Message, Receive, Scope, Send

from master.auth.roles import Grants
from master.errors import MasterError
from master.gateway.stream import frames
from master.gateway.stream.registry import Streams
from master.gateway.stream.streams import Reader
from master.gateway.stream.viewers import Viewer
from shared.logs import RateLimited

log = logging.getLogger(__name__)

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each write on, do not buffer the stream
]
END_TIMEOUT_S = 1.0  # the last (empty) write of a stream that is ending anyway
_dropped_log = RateLimited(60.0)

# New grants for the caller, or None when its credentials no longer hold (a MasterError: could
# not tell now).
Recheck = Callable[[], Awaitable[Grants | None]]


class _Dropped(Exception):
    """The client is too slow: end the stream without waiting for it."""


class EventStream:
    """The ASGI response for one stream (``Streams.admit`` counted it in already)."""

    def __init__(
        self, *, streams: Streams, reader: Reader, opening: bytes, recheck: Recheck
    ) -> None:
        self._streams = streams
        self._reader = reader
        self._opening = opening
        self._recheck = recheck
        self._ended = False  # the body was ended (or cannot be: a write did not drain)
        self._last_write = 0.0  # loop time of the last write

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            async with asyncio.TaskGroup() as tg:
                pump = tg.create_task(self._pump(send), name="sse-pump")
                self._streams.attach(pump, lambda: self._reader.after)
                watcher = tg.create_task(_until_disconnect(receive, pump), name="sse-client")
                pump.add_done_callback(lambda _: watcher.cancel())
            if not self._ended:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(END_TIMEOUT_S):
                        await send({"type": "http.response.body", "body": b""})
        finally:
            self._streams.release()

    async def _pump(self, send: Send) -> None:
        settings, reader = self._streams.settings, self._reader
        clock = asyncio.get_running_loop().time
        self._last_write = clock()
        next_check = self._last_write + settings.recheck_s
        try:
            if self._opening:
                await self._write(send, self._opening)
            while True:
                if clock() >= next_check:  # busy or quiet alike
                    next_check = clock() + settings.recheck_s
                    if not await self._still_allowed():
                        # Ended without an event: nothing needs refetching. The client's
                        # reconnect meets the 401, refreshes its token, and resumes.
                        return
                if reader.behind:
                    timeout_s = min(1.0, settings.write_timeout_s)
                    await self._write(send, reader.resync_behind(), timeout_s)
                    raise _Dropped
                if not reader.pending:
                    await self._idle(send, until=next_check)
                    continue
                wait = self._last_write + settings.flush_s - clock()
                if wait > 0:
                    await asyncio.sleep(wait)  # let the burst gather: one write for it
                    if reader.behind:
                        continue  # overtaken meanwhile: resync, never skip silently
                if chunk := reader.chunk(settings.batch_events, settings.batch_bytes):
                    await self._write(send, chunk)
        except _Dropped:
            self._streams.dropped += 1
            if _dropped_log.ready(time.monotonic()):
                log.warning("dropped a slow event stream (%d so far)", self._streams.dropped)

    async def _idle(self, send: Send, *, until: float) -> None:
        """Wait for the feed to move, at most until ``until`` or the next heartbeat is due;
        send that heartbeat when it is."""
        clock = asyncio.get_running_loop().time
        beat = self._last_write + self._streams.settings.heartbeat_s
        now = clock()
        if now < min(beat, until):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(beat, until) - now):
                    await self._reader.feed.woken().wait()
        elif now >= beat:
            await self._write(send, frames.HEARTBEAT)

    async def _write(self, send: Send, chunk: bytes, timeout_s: float | None = None) -> None:
        message: Message = {"type": "http.response.body", "body": chunk, "more_body": True}
        try:
            async with asyncio.timeout(timeout_s or self._streams.settings.write_timeout_s):
                await send(message)
        except TimeoutError:
            self._ended = True  # the body cannot be ended: its last write never drained
            raise _Dropped from None
        self._last_write = asyncio.get_running_loop().time()

    async def _still_allowed(self) -> bool:
        try:
            grants = await self._recheck()
        except MasterError as e:  # the store away for a moment: the stream goes on
            log.info("event stream credentials not re-checked: %s", e)
            return True
        if grants is None:
            return False
        old = self._reader.viewer
        if grants != old.grants:
            self._reader.viewer = Viewer(grants, old.topics, old.cluster)
        return True


async def _until_disconnect(receive: Receive, pump: asyncio.Task[None]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    pump.cancel()
