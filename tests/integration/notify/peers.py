"""Real local peers for the notify tests: an HTTP receiver on 127.0.0.1 (aiohttp, real
sockets) that records every request and answers from a script, and a virtual clock the worker
runs on, so no test waits on a real timer."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


Script = Callable[[Received], Answer]


class Receiver:
    """Records POSTs; ``script`` picks each answer (200 "ok" by default). ``stop`` and
    ``start`` again on the same port simulate an outage with refused connections."""

    def __init__(self, script: Script | None = None, *, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.received: list[Received] = []
        self.script: Script = script or (lambda _r: Answer())
        self.port = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate: asyncio.Event | None = None
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        got = Received(request.path_qs, dict(request.headers), await request.read())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        async with self._changed:
            self._changed.notify_all()
        try:
            if self.gate is not None:
                await asyncio.wait_for(self.gate.wait(), timeout=30)
            self.received.append(got)
            answer = self.script(got)
        finally:
            self.in_flight -= 1
        return web.Response(status=answer.status, headers=answer.headers, body=answer.body)

    async def wait_in_flight(self, count: int) -> None:
        """Until ``count`` requests are being handled at once (held by ``gate``)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight >= count)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, "127.0.0.1", self.port, reuse_address=True, ssl_context=self.tls
        )
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def url(self, path: str = "/hook", *, host: str = "127.0.0.1") -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{host}:{self.port}{path}"


class VirtualClock:
    """Milliseconds that move only when a test (or the worker's sleep) moves them."""

    def __init__(self, start_ms: int) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        self.now_ms += int(seconds * 1000)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


class ParkedSleep:
    """A worker's sleep that parks until the test ends it (``fire``), moving ``clock`` by the
    duration asked: the test decides when a timer runs out, so it can tell a wake-up by an
    event from one by a timer, and what duration the worker asked for."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.asked: list[float] = []
        self._parked: list[asyncio.Future[None]] = []
        self._changed = asyncio.Condition()

    async def __call__(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self.asked.append(seconds)
        self._parked.append(future)
        async with self._changed:
            self._changed.notify_all()
        await future

    async def until_asked(self, count: int) -> None:
        """Until the worker has asked for ``count`` sleeps in all."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.asked) >= count)

    def fire(self) -> None:
        """Ends the latest sleep, its full duration having passed."""
        future = self._parked[-1]
        if not future.done():
            self.clock.advance(self.asked[-1])
            future.set_result(None)
