"""Run one synchronous unit of work inside one transaction, at one await for the caller.

Owns: where the writer's transactions execute. Every write in the store is a plain function of
a synchronous SQLAlchemy ``Connection`` (statements are issued without ``await``); a runner
opens a transaction, calls it, commits (or rolls back on an exception) and hands the result
back to the event loop.

- SQLite: a dedicated thread owns a synchronous engine (the stdlib ``sqlite3`` driver). A group
  commit costs the event loop one hand-off, whatever the number of statements. The async
  (aiosqlite) path costs a thread hop and an event-loop wake-up per statement, and under load
  each hop also waits its turn in a busy loop: that was most of a remote command's latency
  (figures: ``bench/README.md``, commands).
- MySQL/MariaDB: the async engine's ``run_sync``. The driver is natively async, so there is no
  thread to save; statements are network round trips either way.

Does not own: grouping and retries (``master.store.writing``) or any statement."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")
SyncWork = Callable[[Connection], T]


class TxnRunner(Protocol):
    async def run(self, work: SyncWork[T]) -> T:
        """``work(conn)`` inside one transaction; committed when this returns."""
        ...

    async def close(self) -> None: ...


class ThreadTxn:
    """Transactions on one dedicated thread with a synchronous engine of its own.

    One thread, so the sqlite3 connection never crosses threads and writes stay serial (SQLite
    has one write lock anyway). The thread keeps its connection checked out between
    transactions: a pool checkout and return per transaction cost more CPU than the
    transaction's statements (bench/README.md, commands). A connection SQLAlchemy invalidated
    (a driver error) is replaced on the next transaction. Cancelling the awaiting caller does
    not stop work already on the thread: it may still commit, so the writer reports such a
    group as of unknown outcome."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._conn: Connection | None = None  # touched on the writer thread only

    async def run(self, work: SyncWork[T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._in_transaction, work)

    def _in_transaction(self, work: SyncWork[T]) -> T:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self._engine.connect()
        with conn.begin():
            return work(conn)

    def _dispose(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        # Closed on its own thread: that is where its connection was made and used.
        await loop.run_in_executor(self._pool, self._dispose)
        self._pool.shutdown(wait=True)


class GreenletTxn:
    """Transactions on the async engine through ``run_sync`` (natively async drivers)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def run(self, work: SyncWork[T]) -> T:
        async with self._engine.begin() as conn:
            return await conn.run_sync(work)

    async def close(self) -> None:
        """Nothing of its own: the store disposes the async engine."""
