"""A writer you can stall: a unit that holds the writer's thread until released.

SQLite only: the writer runs its transactions on a thread of its own, so the event loop keeps
queueing (and callers keep timing out) while the thread is held."""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import Connection

from master.store import Store


class Stall:
    """Holds the writer's thread inside a unit until released (SQLite: the writer has a thread
    of its own, so the loop keeps queueing meanwhile)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.started, self.release = threading.Event(), threading.Event()
        self.task: asyncio.Task[None] | None = None

    def _hold(self, conn: Connection) -> None:
        self.started.set()
        self.release.wait(30)

    async def hold(self) -> None:
        """Queue the holding unit (with a long timeout of its own) and wait until it runs."""
        self.task = asyncio.create_task(self._store.writer.run(self._hold, timeout_s=60))
        assert await asyncio.to_thread(self.started.wait, 30)

    def queue(self) -> asyncio.Task[None]:
        """Queue the holding unit behind what is queued, without waiting for it to run."""
        self.task = asyncio.create_task(self._store.writer.run(self._hold, timeout_s=60))
        return self.task


async def queued(store: Store, n: int) -> None:
    async with asyncio.timeout(30):
        while store.writer.queued < n:  # noqa: ASYNC110 -- polls state it does not own
            await asyncio.sleep(0.001)
