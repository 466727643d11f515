"""⑥ Journal records, handled exactly once per (cluster, sequence number).

A batch is filtered against the cluster's high-water mark (replays after a reconnect are
dropped here), checked for contiguity, made durable through the sink (the store) together with
the new mark, then applied to current state and handed to observers (alerts, command bus). The
caller acknowledges the agent with the returned mark only after this returns, so an ack always
means "durable"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.errors import SequenceError
from master.processor.podspecs import SpecCache, attach_specs
from master.processor.reconcile import close_missing
from master.telemetry.metrics import MasterMetrics
from shared.clock import now_ms
from shared.domain.journal import Gap, JournalRecord

log = logging.getLogger(__name__)

Observer = Callable[[str, Sequence[JournalRecord]], Awaitable[None]]


class JournalSink(Protocol):
    async def high_water_mark(self, cluster: str) -> int: ...
    async def commit(self, cluster: str, records: Sequence[JournalRecord], hwm: int) -> None: ...


def fresh_records(hwm: int, records: Sequence[JournalRecord]) -> tuple[list[JournalRecord], int]:
    """(records not yet handled, the mark after them). Pure; raises SequenceError when a
    record leaves a hole (the agent then reconnects and replays from the mark).

    A gap may start below the mark: the agent's spool dropped records it had sent but not yet
    seen acknowledged, and some of those reached the master. That part is not lost: the gap is
    clipped to the sequence numbers after the mark, and its count by as many."""
    expected = hwm + 1
    fresh: list[JournalRecord] = []
    for rec in records:
        if rec.last_seq < expected:
            continue  # already handled: a replay after reconnect
        if rec.seq > expected or (rec.seq < expected and not isinstance(rec.body, Gap)):
            raise SequenceError(expected, rec.seq)
        kept = _clipped(rec, rec.body, expected) if isinstance(rec.body, Gap) else rec
        fresh.append(kept)
        expected = kept.last_seq + 1
    return fresh, expected - 1


def _clipped(rec: JournalRecord, gap: Gap, start: int) -> JournalRecord:
    if gap.first_seq >= start:
        return rec
    received = start - gap.first_seq  # seqs of the gap at or below the mark: they arrived
    body = Gap(first_seq=start, last_seq=gap.last_seq, dropped=max(0, gap.dropped - received))
    return replace(rec, seq=start, body=body)


class JournalProcessor:
    def __init__(
        self, hub: DataHub, sink: JournalSink, metrics: MasterMetrics | None = None
    ) -> None:
        self._hub = hub
        self._metrics = metrics or MasterMetrics()
        self._sink = sink
        self._observers: list[Observer] = []
        self._specs = SpecCache()  # parsed mirrored pods, across batches and clusters
        self._inflight: dict[str, set[asyncio.Task[None]]] = {}
        self.handled_total = 0

    def subscribe(self, observer: Observer) -> None:
        """``observer(cluster, records)`` runs after each durable batch, in sequence order."""
        self._observers.append(observer)

    async def load_mark(self, state: ClusterState) -> int:
        """The resume point for a new session. A replaced session's commit may still be in
        flight; wait for it, or the new session would be told to replay what it is storing."""
        pending = self._inflight.get(state.name)
        if pending:
            await asyncio.wait(set(pending))
        state.hwm = await self._sink.high_water_mark(state.name)
        return state.hwm

    async def handle(self, state: ClusterState, records: Sequence[JournalRecord]) -> int:
        fresh, mark = fresh_records(state.hwm, records)
        if not fresh:
            return state.hwm
        fresh = close_missing(fresh, state.findings)
        # Requests/limits as the mirror holds them on arrival (a replay gets today's).
        fresh = attach_specs(fresh, state, self._specs)
        # Once a commit starts, its effects (mark, DataHub, observers) must happen exactly
        # once even if the session is cancelled meanwhile (shutdown, replacement): the store
        # will have the records, so a replay would skip them. drain() awaits these on shutdown.
        task = asyncio.create_task(self._commit_and_apply(state, fresh, mark))
        pending = self._inflight.setdefault(state.name, set())
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.shield(task)
        return mark

    async def drain(self, timeout_s: float) -> None:
        """Wait for commits in flight to finish applying (shutdown)."""
        tasks = {t for pending in self._inflight.values() for t in pending}
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)

    async def _commit_and_apply(
        self, state: ClusterState, fresh: list[JournalRecord], mark: int
    ) -> None:
        await self._sink.commit(state.name, fresh, mark)
        state.hwm = mark
        self._hub.apply_journal(state, fresh)
        self.handled_total += len(fresh)
        self._metrics.journal_applied(state.name, fresh, now_ms())
        for rec in fresh:
            if isinstance(rec.body, Gap):
                log.warning(
                    "cluster %s: agent spool overflowed, %d records lost (seq %d-%d)",
                    state.name,
                    rec.body.dropped,
                    rec.body.first_seq,
                    rec.body.last_seq,
                )
        for observer in self._observers:
            await observer(state.name, fresh)
