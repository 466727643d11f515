"""The store's one writer task: a bounded queue and group commit.

Owns: admitting writes under a budget of queued rows (callers wait, with a timeout, when it is
full: back-pressure reaches the agents, not master memory), taking as many queued writes as fit
in ``batch_max`` rows, applying them in ONE transaction, and resolving each caller's future only
after that transaction committed. If a group fails, each of its writes is retried alone so one
bad write cannot sink the others. Does not own what a write does (``journaling`` for journal
records, the repositories' closures for everything else).

Why one writer: SQLite allows one writer at a time anyway, and batching many callers' rows into
one transaction is what turns 20k rows/s (one per transaction) into 100k+ (see PERFORMANCE.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from master.store.errors import StoreBusy, StoreClosed, StoreError
from master.store.journaling import JournalAccumulator, JournalWrite
from master.store.transactions import TxnRunner

log = logging.getLogger(__name__)

T = TypeVar("T")
# A write: a plain function of a synchronous connection, run inside the group's transaction on
# the store's writer thread (SQLite) or through run_sync (MySQL); see ``transactions``.
Work = Callable[[Connection], Any]


@dataclass(slots=True)
class _Job:
    item: JournalWrite | Work
    weight: int
    future: asyncio.Future[Any]


class _RowBudgetQueue:
    """A FIFO bounded by the summed weight of its items, not their number: a write of 2,000
    rows and one of 1 row should not count the same against memory."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: deque[_Job] = deque()
        self._weight = 0
        self._closed = False
        self._cond = asyncio.Condition()

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, job: _Job) -> None:
        async with self._cond:
            # An oversized write is admitted alone rather than refused forever.
            await self._cond.wait_for(
                lambda: (
                    self._closed or not self._items or self._weight + job.weight <= self._capacity
                )
            )
            if self._closed:
                raise StoreClosed("the store is closing; write not accepted")
            self._items.append(job)
            self._weight += job.weight
            self._cond.notify_all()

    async def take(self, batch_max: int) -> list[_Job] | None:
        """The next group (at least one job, up to ``batch_max`` rows); None once closed and
        drained."""
        async with self._cond:
            await self._cond.wait_for(lambda: self._closed or bool(self._items))
            if not self._items:
                return None
            group = [self._items.popleft()]
            weight = group[0].weight
            while self._items and weight + self._items[0].weight <= batch_max:
                job = self._items.popleft()
                group.append(job)
                weight += job.weight
            self._weight -= weight
            self._cond.notify_all()
            return group

    async def close(self) -> None:
        async with self._cond:
            self._closed = True
            self._cond.notify_all()

    def drain(self) -> list[_Job]:
        jobs = list(self._items)
        self._items.clear()
        self._weight = 0
        return jobs


class Writer:
    """Runs the writer task; ``submit_*`` are the only ways any store code writes."""

    def __init__(self, txn: TxnRunner, *, queue_max: int, batch_max: int, timeout_s: float) -> None:
        self._txn = txn
        self._batch_max = batch_max
        self._timeout_s = timeout_s
        self._queue = _RowBudgetQueue(queue_max)
        self._task: asyncio.Task[None] | None = None
        self.groups_committed = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="store-writer")

    async def submit_journal(self, write: JournalWrite) -> None:
        await self._submit(write, write.weight)

    async def submit(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` inside a group transaction; returns its result after the commit.

        ``work`` runs off the event loop (SQLite: the writer thread): it must only use the
        connection and the values it closed over, never the loop or shared mutable state."""
        result: T = await self._submit(work, 1)
        return result

    async def _submit(self, item: JournalWrite | Work, weight: int) -> Any:
        if self._task is None or self._task.done():
            raise StoreClosed("the store writer is not running")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Mark the outcome retrieved even if the caller timed out and never looks at it.
        future.add_done_callback(_consume)
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._queue.put(_Job(item, weight, future))
                # shield: a caller that gives up must not cancel a write others share.
                return await asyncio.shield(future)
        except TimeoutError as e:
            raise StoreBusy(
                f"store write not committed within {self._timeout_s:g} s "
                "(database slow or writer queue full)"
            ) from e

    async def close(self, timeout_s: float) -> None:
        """Refuse new writes, let the queued ones commit (up to ``timeout_s``), stop the task,
        release the writer's connection."""
        await self._queue.close()
        if self._task is not None:
            await self._stop_task(self._task, timeout_s)
        await self._txn.close()

    async def _stop_task(self, task: asyncio.Task[None], timeout_s: float) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(task)
        except TimeoutError:
            log.error("store writer did not drain within %.1f s; cancelling it", timeout_s)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            _fail(self._queue.drain(), StoreClosed("the store closed before this write committed"))

    async def _run(self) -> None:
        while True:
            group = await self._queue.take(self._batch_max)
            if group is None:
                return
            try:
                await self._commit(group)
            except asyncio.CancelledError:
                # The transaction may still commit on its thread: callers must treat the write
                # as unknown (agents replay; the journal's marks make that harmless).
                _fail(group, StoreClosed("the store writer was cancelled mid-transaction"))
                raise
            except Exception as e:  # a bug, not a database error: keep the writer alive
                log.exception("store writer failed a group unexpectedly")
                _fail(group, StoreError(f"store write failed: {e}"))

    async def _commit(self, group: Sequence[_Job]) -> None:
        items = [job.item for job in group]
        try:
            results = await self._txn.run(lambda conn: _apply(conn, items))
        except StoreError as e:
            if len(group) > 1:
                await self._one_by_one(group)
            else:
                _fail(group, e)
            return
        except Exception as e:
            if len(group) > 1:
                await self._one_by_one(group)
            else:
                log.warning("store write failed: %s", e)
                _fail(group, StoreError(f"store write failed: {e}"))
            return
        self.groups_committed += 1
        for job, value in zip(group, results, strict=True):
            if not job.future.done():
                job.future.set_result(value)

    async def _one_by_one(self, group: Sequence[_Job]) -> None:
        for job in group:
            await self._commit([job])


def _apply(conn: Connection, items: Sequence[JournalWrite | Work]) -> list[Any]:
    """The group's writes in queue order, in the caller's transaction (off the event loop)."""
    acc = JournalAccumulator()
    acc.load_marks(conn, {item.cluster for item in items if isinstance(item, JournalWrite)})
    results: list[Any] = []
    for item in items:
        if isinstance(item, JournalWrite):
            acc.add(item)
            results.append(None)
        else:
            acc.flush(conn)  # keep order: a command inserted before its update, etc.
            results.append(item(conn))
    acc.flush(conn)
    return results


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _fail(jobs: Sequence[_Job], error: BaseException) -> None:
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(error)
