"""The store's one writer task: a bounded queue and group commit of units of work.

Owns: admitting units under a budget of queued rows (callers wait, with a timeout, when it is
full: back-pressure reaches the agents, not master memory), taking as many queued units as fit
in ``batch_max`` rows, applying them in queue order in ONE transaction (units of one batch kind
staged into one batch, see ``units``), and resolving each caller's future only after that
transaction committed. If a group fails, each of its units is retried alone so one bad write
cannot sink the others. Does not own what a unit writes (the repositories build their units,
most of them a ``Call`` of a closure) nor where the transaction runs
(``master.store.engine.transactions``); it knows no table and no record type.

Why one writer: SQLite allows one writer at a time anyway, and batching many callers' rows into
one transaction costs a fraction of one transaction per row (figures: ``bench/README.md``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from master.store.engine.transactions import TxnRunner
from master.store.errors import StoreBusy, StoreClosed, StoreError
from master.store.writing.units import Batch, BatchKind, Call, UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(slots=True)
class _Job:
    unit: UnitOfWork[Any]
    weight: int
    future: asyncio.Future[Any]


class _RowBudgetQueue:
    """A FIFO bounded by the summed weight of its items, not their number: a unit of 2,000
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
    """Runs the writer task; ``submit`` (and ``run``, its shorthand for a closure) is the only
    way any store code writes."""

    def __init__(self, txn: TxnRunner, *, queue_max: int, batch_max: int, timeout_s: float) -> None:
        self._txn = txn
        self._batch_max = batch_max
        self._timeout_s = timeout_s
        self._queue = _RowBudgetQueue(queue_max)
        self._task: asyncio.Task[None] | None = None
        self.groups_committed = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="store-writer")

    async def submit(self, unit: UnitOfWork[T]) -> T:
        """Apply ``unit`` inside a group transaction; returns its result after the commit.

        Raises StoreBusy (not queued and committed within the timeout), StoreClosed (the store
        is closing), or StoreError (the database refused it)."""
        result: T = await self._submit(unit)
        return result

    async def run(self, work: Callable[[Connection], T]) -> T:
        """``submit`` for a plain function of the connection (a one-row :class:`Call`).

        ``work`` runs off the event loop (SQLite: the writer thread): it must only use the
        connection and the values it closed over, never the loop or shared mutable state."""
        return await self.submit(Call(work))

    async def _submit(self, unit: UnitOfWork[Any]) -> Any:
        if self._task is None or self._task.done():
            raise StoreClosed("the store writer is not running")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Mark the outcome retrieved even if the caller timed out and never looks at it.
        future.add_done_callback(_consume)
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._queue.put(_Job(unit, max(1, unit.rows), future))
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

    async def _loop(self) -> None:
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
        units = [job.unit for job in group]
        try:
            results = await self._txn.run(lambda conn: _apply(conn, units))
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


def _apply(conn: Connection, units: Sequence[UnitOfWork[Any]]) -> list[Any]:
    """The group's units in queue order, in the caller's transaction (off the event loop).

    One batch per batch kind lives for the whole group; before a unit runs, every batch of
    another kind is flushed, so what was queued earlier is written earlier."""
    batches: dict[BatchKind, Batch] = {}
    results: list[Any] = []
    for unit in units:
        kind = unit.batch_kind
        for other, staged in batches.items():
            if other is not kind:
                staged.flush(conn)  # keep order: a command inserted before its update, etc.
        batch: Batch | None = None
        if kind is not None:
            batch = batches.get(kind)
            if batch is None:
                batch = batches[kind] = kind()
        results.append(unit.apply(conn, batch))
    for staged in batches.values():
        staged.flush(conn)
    return results


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _fail(jobs: Sequence[_Job], error: BaseException) -> None:
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(error)
