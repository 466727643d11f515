"""The store's one writer task: a bounded queue and group commit of units of work.

Owns: admitting units under a budget of queued rows (callers wait, with a timeout, when it is
full: back-pressure reaches the agents, not master memory), taking as many queued units as fit
in ``batch_max`` rows, applying them in queue order in ONE transaction (units of one batch kind
staged into one batch, see ``units``), and resolving each caller's future only after that
transaction committed. If a group fails, each of its units is retried alone so one bad write
cannot sink the others.

A caller that gives up (its timeout passed) never leaves a write behind that it was told
failed, which a later commit would make true behind its back: a unit still queued is taken
out and never written; a unit already in a transaction cannot be recalled, so it commits or
fails with its group (a failed group's abandoned units are not retried), and if it commits, its
``on_late`` hook gets the result on the event loop: the caller's owner reconciles it (the
command bus fails such a command, see ``master.commands.bus``).

Does not own what a unit writes (the repositories build their units, most of them a ``Call``
of a closure) nor where the transaction runs (``master.store.engine.transactions``); it knows
no table and no record type.

Why one writer: SQLite allows one writer at a time anyway, and batching many callers' rows into
one transaction costs a fraction of one transaction per row (figures: ``bench/README.md``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from master.store.engine.transactions import TxnRunner
from master.store.errors import StoreBusy, StoreClosed, StoreError
from master.store.writing.units import Batch, BatchKind, Call, UnitOfWork
from master.telemetry.metrics import MasterMetrics

log = logging.getLogger(__name__)

T = TypeVar("T")


LateHook = Callable[[Any], None]  # gets the result of a unit committed after its caller gave up


@dataclass(slots=True)
class _Job:
    unit: UnitOfWork[Any]
    weight: int
    future: asyncio.Future[Any]
    on_late: LateHook | None = None
    taken: bool = False  # in a group: its transaction may be running
    abandoned: bool = False  # taken, and its caller gave up before the commit


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
            for job in group:
                job.taken = True
            self._weight -= weight
            self._cond.notify_all()
            return group

    async def close(self) -> None:
        async with self._cond:
            self._closed = True
            self._cond.notify_all()

    async def discard(self, job: _Job) -> bool:
        """Take ``job`` out if it is still waiting; False if it was never queued or is
        taken. Under the same lock as ``take``: the two cannot interleave."""
        async with self._cond:
            try:
                self._items.remove(job)
            except ValueError:
                return False
            self._weight -= job.weight
            self._cond.notify_all()
            return True

    def drain(self) -> list[_Job]:
        jobs = list(self._items)
        self._items.clear()
        self._weight = 0
        return jobs


class Writer:
    """Runs the writer task; ``submit`` (and ``run``, its shorthand for a closure) is the only
    way any store code writes."""

    def __init__(
        self,
        txn: TxnRunner,
        *,
        queue_max: int,
        batch_max: int,
        timeout_s: float,
        metrics: MasterMetrics | None = None,
    ) -> None:
        self._txn = txn
        self._metrics = metrics or MasterMetrics()
        self._batch_max = batch_max
        self._timeout_s = timeout_s
        self._queue = _RowBudgetQueue(queue_max)
        self._task: asyncio.Task[None] | None = None
        self._busy_since: float | None = None  # monotonic start of the group in flight
        self.groups_committed = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="store-writer")

    @property
    def queued(self) -> int:
        """Units waiting for a group (not counting the group in flight)."""
        return len(self._queue)

    def trouble(self) -> str | None:
        """None while the writer runs and no commit has outlived the commit timeout."""
        if self._task is None or self._task.done():
            return "the store writer is not running"
        since = self._busy_since
        if since is not None and time.monotonic() - since > self._timeout_s:
            return f"a store commit has been running for more than {self._timeout_s:g} s"
        return None

    async def submit(
        self,
        unit: UnitOfWork[T],
        *,
        on_late: Callable[[T], None] | None = None,
        timeout_s: float | None = None,
    ) -> T:
        """Apply ``unit`` inside a group transaction; returns its result after the commit.

        Raises StoreBusy (not committed within ``timeout_s``, the store's commit timeout by
        default: still queued, it is never written; already in its transaction, it may yet
        commit, and then ``on_late`` gets its result), StoreClosed (the store is closing), or
        StoreError (the database refused it)."""
        result: T = await self._submit(unit, on_late=on_late, timeout_s=timeout_s)
        return result

    async def run(
        self,
        work: Callable[[Connection], T],
        *,
        on_late: Callable[[T], None] | None = None,
        timeout_s: float | None = None,
    ) -> T:
        """``submit`` for a plain function of the connection (a one-row :class:`Call`).

        ``work`` runs off the event loop (SQLite: the writer thread): it must only use the
        connection and the values it closed over, never the loop or shared mutable state."""
        return await self.submit(Call(work), on_late=on_late, timeout_s=timeout_s)

    async def _submit(
        self, unit: UnitOfWork[Any], *, on_late: LateHook | None, timeout_s: float | None
    ) -> Any:
        if self._task is None or self._task.done():
            raise StoreClosed("the store writer is not running")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Mark the outcome retrieved even if the caller timed out and never looks at it.
        future.add_done_callback(_consume)
        job = _Job(unit, max(1, unit.rows), future, on_late)
        timeout = self._timeout_s if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(timeout):
                await self._queue.put(job)
                # shield: a caller that gives up must not cancel a write others share.
                return await asyncio.shield(future)
        except TimeoutError as e:
            where = "(database slow or writer queue full)"
            if await self._queue.discard(job) or not job.taken:
                raise StoreBusy(
                    f"store write not committed within {timeout:g} s {where}; it was not written"
                ) from e
            if future.done():  # resolved as the timeout fired: the caller gets the outcome
                return future.result()
            # No await from here to the raise: ``_commit`` resolves futures on this loop, so
            # either it saw this flag (and calls the hook) or the check above saw its result.
            job.abandoned = True
            raise StoreBusy(
                f"store write not committed within {timeout:g} s {where}; "
                "it was already in a transaction that may still commit"
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
            self._busy_since = time.monotonic()
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
            finally:
                self._busy_since = None

    async def _commit(self, group: Sequence[_Job]) -> None:
        units = [job.unit for job in group]
        started = time.monotonic()
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
        self._metrics.store_commit.observe(time.monotonic() - started)
        for job, value in zip(group, results, strict=True):
            if job.abandoned:
                _late(job, value)
            if not job.future.done():
                job.future.set_result(value)

    async def _one_by_one(self, group: Sequence[_Job]) -> None:
        for job in group:
            if job.abandoned:  # its transaction failed: not written, and nobody waits for it
                _fail([job], StoreBusy("store write given up by its caller; not written"))
                continue
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


def _late(job: _Job, value: Any) -> None:
    """A unit committed after its caller gave up: its owner reconciles (``on_late``)."""
    if job.on_late is None:
        log.info("a store write committed after its caller had given up")
        return
    try:
        job.on_late(value)
    except Exception:
        log.exception("reconciling a store write that committed late failed")


def _consume(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _fail(jobs: Sequence[_Job], error: BaseException) -> None:
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(error)
