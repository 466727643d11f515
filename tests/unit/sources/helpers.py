"""Test helpers: a transport wrapper that can count, cut and hold, and a polling wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from agent.kubeapi.errors import KubeConnectionError
from agent.kubeapi.transport import KubeAccess


class Wire:
    """Wraps KubeAccess: counts requests per path, can cut the open watches (the client sees
    a broken connection) and hold new watches until released."""

    def __init__(self, inner: KubeAccess) -> None:
        self.inner = inner
        self.gets: dict[str, int] = {}
        self.watches: dict[str, int] = {}
        self.cut = False
        self.open = asyncio.Event()
        self.open.set()

    async def get(self, path: str, params: Mapping[str, str], *, timeout_s: float) -> bytes:
        self.gets[path] = self.gets.get(path, 0) + 1
        return await self.inner.get(path, params, timeout_s=timeout_s)

    @asynccontextmanager
    async def lines(
        self, path: str, params: Mapping[str, str], *, read_timeout_s: float
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation that
        # arrives as the event fires, and the informer would then never stop.
        async with asyncio.timeout(30):
            await self.open.wait()
        self.watches[path] = self.watches.get(path, 0) + 1
        async with self.inner.lines(path, params, read_timeout_s=read_timeout_s) as it:
            yield self._cuttable(it)

    async def _cuttable(self, it: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for line in it:
            if self.cut:
                self.cut = False
                raise KubeConnectionError("cut by the test")
            yield line


async def eventually(check: Callable[[], object], limit_s: float = 15.0) -> None:
    """Poll ``check()`` until truthy; the limit only bounds a failing test."""
    async with asyncio.timeout(limit_s):
        # Polling on purpose: the state belongs to the code under test, which has no event.
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.02)
