"""SLO counts: per-minute good/total (and latency bucket) counts of every SLO, with UTC-hour
and local-day roll-ups, kept up to date from the raw ``ingress_samples`` (``refresh``), read
back for windows and reports (``read``), dropped with their definition (``forget``).

How ``refresh`` decides what to recompute: each SLO has a watermark, the ``received_ms`` of
the samples already processed. A pass takes the newest ``received_ms`` stored as its bound,
finds the minutes that samples received in (watermark - ``RESCAN_MS``, bound] and matching the
SLO fall in, and has ``slo_recompute`` replace those minutes (from every sample stored for
them), their hours and days, and the watermark, in one writer transaction per chunk. The
rescan is there because ``received_ms`` is stamped when a journal commit is queued, not when
it commits: a commit stamped earlier can land after a later one, and a watermark alone would
skip it for good. Recomputing is idempotent, so re-reading that overlap costs a few reads.

A new SLO, or one whose definition hash changed (``slo_rows.definition_hash``), loses its
rows and is rebuilt from the samples still retained (``MasterSettings.store.ingress_days``),
``REBUILD_SPAN_MS`` of sample time per transaction, so SQLite's write lock is never held long;
its state is written with the last chunk, so a rebuild cut short starts over.

Known limit: a minute recomputed after some of its samples were purged (a sample arriving more
than ``ingress_days`` after others of the same minute) keeps only what is left. Does not own
the maths (``master.slo``), when passes run or what is kept in memory (the SLO service)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.slo.counts import HOUR_MS, MINUTE_MS, Count
from master.slo.definitions import Slo
from master.slo.intake import matches
from master.slo.windows import DAY_MS
from master.store.repositories.slo_recompute import (
    Recomputed,
    Watermark,
    advance,
    forget_rows,
    recompute,
    save_mark,
    selects,
)
from master.store.repositories.slo_rows import count_of, definition_hash, minute_of, runs
from master.store.repositories.slo_sums import Sums, read_many, window_sums
from master.store.schema.tables import SLO_NAME, ingress_samples, slo_counts, slo_state
from master.store.writing.units import Call
from master.store.writing.writer import Writer
from shared.domain.ingress import IngressSample

Resolution = Literal["m", "h", "d"]

# Longer than a journal commit can sit between being stamped and committing (the writer's
# commit timeout, 30 s by default, plus the transaction), with room to spare.
RESCAN_MS = 120_000
RECEIVED_SPAN_MS = HOUR_MS  # received time whose samples one catch-up step looks at
MINUTES_PER_TXN = 360  # six hours of minutes recomputed per writer transaction, at most
REBUILD_SPAN_MS = HOUR_MS  # sample time rebuilt per writer transaction
FORGET_SPAN_MS: dict[Resolution, int] = {  # ~10,000 rows per delete, at most
    "m": 7 * DAY_MS,
    "h": 400 * DAY_MS,
    "d": 30 * 365 * DAY_MS,
}
PARALLEL = 16  # SLOs worked on at once: their small transactions share group commits
MEMORY_MS = 3 * DAY_MS  # a rebuilt SLO hands back this much (the service's in-memory window)
# Minutes older than this are never recomputed: below ``slo_minute_days`` (35), so an hour or
# day is only ever re-summed while all its minutes are still kept. A sample for such a minute
# (an agent's clock a month off) would otherwise replace a whole hour with that one minute.
LATE_LIMIT_MS = 30 * DAY_MS


@dataclass(frozen=True, slots=True)
class SloRefresh:
    """What a pass changed. ``minutes``: per SLO, the minutes whose counts changed, new values
    (a zero count: the minute is gone), oldest first. For an SLO in ``rebuilt`` they are all
    its minutes from ``now - MEMORY_MS`` on: replace what is held, do not merge. ``skipped``:
    samples of recomputed minutes a latency SLO could not judge (its threshold is not one of
    their bucket bounds), left out of good and total. ``too_late``: minutes that new samples
    fell in but that lie past ``late_limit_ms``, left as they were."""

    minutes: Mapping[str, tuple[Count, ...]]
    rebuilt: frozenset[str]
    skipped: Mapping[str, int]
    too_late: Mapping[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Outcome:
    now_ms: int
    horizon_ms: int  # the oldest minute start recomputed
    minutes: dict[str, dict[int, Count]] = field(default_factory=lambda: defaultdict(dict))
    rebuilt: set[str] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    too_late: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, slo: str, done: Recomputed) -> None:
        # A rebuild's older minutes are dropped as they come: 500 SLOs rebuilt at once must
        # not hold a week of minutes each until the pass ends.
        since = self.now_ms - MEMORY_MS if slo in self.rebuilt else None
        self.minutes[slo].update(
            (c.start_ms, c) for c in done.changed if since is None or c.start_ms >= since
        )
        if done.skipped:
            self.skipped[slo] += done.skipped

    def result(self) -> SloRefresh:
        out = {
            slo: tuple(c for _, c in sorted(by_start.items()))
            for slo, by_start in self.minutes.items()
            if by_start
        }
        return SloRefresh(out, frozenset(self.rebuilt), dict(self.skipped), dict(self.too_late))


class SloCountsRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer
        self._lock = asyncio.Lock()  # one pass or forget at a time: they share watermarks

    async def refresh(
        self,
        slos: Sequence[Slo],
        *,
        tz: str,
        now_ms: int,
        late_limit_ms: int = LATE_LIMIT_MS,
    ) -> SloRefresh:
        """Bring every SLO's counts up to the samples stored now (local days in ``tz``).
        Minutes starting before ``now - late_limit_ms`` are left alone; keep the limit below
        the minutes' retention."""
        ZoneInfo(tz)  # an unknown zone fails here, not inside a writer transaction
        names = [slo.name for slo in slos]
        if len(set(names)) < len(names):
            raise ValueError("two SLO definitions share a name; the name is the SLO's identity")
        if any(len(n) > SLO_NAME for n in names):
            raise ValueError(f"an SLO name is longer than {SLO_NAME} characters")
        async with self._lock:
            bound = await self._bound()
            states = await self._states()
            out = _Outcome(now_ms, now_ms - late_limit_ms)
            rebuild: list[tuple[Slo, str]] = []
            steady: dict[int, list[tuple[Slo, str]]] = defaultdict(list)
            for slo in slos:
                digest = definition_hash(slo, tz)
                state = states.get(slo.name)
                if state is None or state.definition_hash != digest:
                    rebuild.append((slo, digest))
                else:
                    steady[state.done_until_ms].append((slo, digest))
            # Known SLOs first: a rebuild of many new ones takes a while and must not hold up
            # the counts that burn-rate alerts read.
            for done, group in sorted(steady.items()):
                await self._catch_up(group, done=done, tz=tz, bound=bound, out=out)
            await _bounded(
                partial(self._rebuild, s, d, tz=tz, bound=bound, out=out) for s, d in rebuild
            )
            return out.result()

    async def read(
        self, slo: str, resolution: Resolution, start_ms: int, end_ms: int
    ) -> list[Count]:
        """Counts of ``slo`` at ``resolution`` starting in [start, end), oldest first."""
        t = slo_counts
        query = (
            select(t.c.start_ms, t.c.good, t.c.total, t.c.buckets_json)
            .where(
                t.c.slo == slo,
                t.c.resolution == resolution,
                t.c.start_ms >= start_ms,
                t.c.start_ms < end_ms,
            )
            .order_by(t.c.start_ms)
        )
        async with self._engine.connect() as conn:
            return [count_of(r) for r in await conn.execute(query)]

    async def sums(self, resolution: Resolution, since: Mapping[str, Mapping[int, int]]) -> Sums:
        """Per SLO, the (good, total) of each window: rows starting at or after its start."""
        return await window_sums(self._engine, resolution, since)

    async def read_many(
        self, names: Sequence[str], resolution: Resolution, start_ms: int, end_ms: int
    ) -> dict[str, list[Count]]:
        return await read_many(self._engine, names, resolution, start_ms, end_ms)

    async def forget(self, slo: str) -> None:
        """Delete the SLO's counts and state (its definition was removed)."""
        async with self._lock:
            await self._forget(slo)

    # -- steps ----------------------------------------------------------------------------

    async def _catch_up(
        self, group: Sequence[tuple[Slo, str]], *, done: int, tz: str, bound: int, out: _Outcome
    ) -> None:
        """SLOs sharing a watermark: one read of what was received per step serves them all."""
        lo = done - RESCAN_MS
        while (lo := await self._next_received(lo, bound)) < bound:
            hi = min(bound, lo + RECEIVED_SPAN_MS)
            received = await self._received(lo, hi)  # (cluster, service) -> samples
            until = max(hi, done)
            idle: list[tuple[str, int]] = []
            work: list[Callable[[], Awaitable[None]]] = []
            for slo, digest in group:
                mine = received.get((slo.cluster, slo.service), ())
                touched = {minute_of(s.window_end_ms) for s in mine if matches(slo, s)}
                minutes = sorted(m for m in touched if m >= out.horizon_ms)
                if len(minutes) < len(touched):
                    out.too_late[slo.name] += len(touched) - len(minutes)
                if minutes:
                    mark = Watermark(digest, until)
                    work.append(partial(self._minutes, slo, minutes, tz=tz, mark=mark, out=out))
                elif until > done:
                    idle.append((slo.name, until))
            await _bounded(work)
            if idle:
                await self._writer.run(partial(advance, marks=idle))
            lo = hi

    async def _minutes(
        self, slo: Slo, minutes: Sequence[int], *, tz: str, mark: Watermark, out: _Outcome
    ) -> None:
        chunks = _chunks(runs(minutes, most=MINUTES_PER_TXN), MINUTES_PER_TXN)
        for i, ranges in enumerate(chunks):
            last = i == len(chunks) - 1
            done = await self._recompute(slo, ranges, tz=tz, mark=mark if last else None)
            out.add(slo.name, done)

    async def _rebuild(self, slo: Slo, digest: str, *, tz: str, bound: int, out: _Outcome) -> None:
        await self._forget(slo.name)
        out.rebuilt.add(slo.name)
        mark = Watermark(digest, bound)
        first = await self._next_sample(slo, out.horizon_ms)
        if first is None:
            await self._writer.run(lambda conn: save_mark(conn, slo.name, mark))
            return
        while first is not None:
            # Jump over spans without samples: an agent's clock once off by a year must not
            # cost thousands of empty transactions.
            a = minute_of(first)
            b = a + REBUILD_SPAN_MS
            first = await self._next_sample(slo, b)
            last = first is None
            done = await self._recompute(slo, [(a, b)], tz=tz, mark=mark if last else None)
            out.add(slo.name, done)

    async def _recompute(
        self, slo: Slo, ranges: Sequence[tuple[int, int]], *, tz: str, mark: Watermark | None
    ) -> Recomputed:
        def work(conn: Connection) -> Recomputed:
            return recompute(conn, slo, tz=tz, ranges=ranges, mark=mark)

        weight = sum(hi - lo for lo, hi in ranges) // MINUTE_MS
        return await self._writer.submit(Call(work, rows=max(1, weight)))

    async def _forget(self, slo: str) -> None:
        """State first (in every chunk), then the counts, a bounded time span per delete."""
        t = slo_counts
        chunks: list[tuple[Resolution, int, int]] = []
        async with self._engine.connect() as conn:
            for resolution, span in FORGET_SPAN_MS.items():
                query = select(func.min(t.c.start_ms), func.max(t.c.start_ms)).where(
                    t.c.slo == slo, t.c.resolution == resolution
                )
                lo, hi = (await conn.execute(query)).one()
                if lo is not None:
                    chunks += [(resolution, a, a + span) for a in range(lo, hi + 1, span)]
        for resolution, a, b in chunks or [("m", 0, 0)]:

            def work(conn: Connection, r: str = resolution, a: int = a, b: int = b) -> int:
                return forget_rows(conn, slo, resolution=r, after_ms=a, before_ms=b)

            await self._writer.run(work)

    # -- reads ----------------------------------------------------------------------------

    async def _bound(self) -> int:
        async with self._engine.connect() as conn:
            newest = (await conn.execute(select(func.max(ingress_samples.c.received_ms)))).scalar()
        return 0 if newest is None else int(newest)

    async def _states(self) -> dict[str, Watermark]:
        t = slo_state
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(t.c.slo, t.c.definition_hash, t.c.done_until_ms))
            return {r.slo: Watermark(r.definition_hash, int(r.done_until_ms)) for r in rows}

    async def _received(self, lo: int, hi: int) -> dict[tuple[str, str], list[IngressSample]]:
        """What was received in (lo, hi] by (cluster, service), only what matching needs: 500
        SLOs each look at their own service's samples, not at everyone's."""
        s = ingress_samples
        query = select(
            s.c.cluster, s.c.namespace, s.c.service, s.c.ingress, s.c.window_end_ms
        ).where(s.c.received_ms > lo, s.c.received_ms <= hi)
        async with self._engine.connect() as conn:
            rows = await conn.execute(query)
            out: dict[tuple[str, str], list[IngressSample]] = defaultdict(list)
            for r in rows:
                out[(r.cluster, r.service)].append(_key_sample(r))
            return out

    async def _next_received(self, after_ms: int, bound: int) -> int:
        """Just below the first ``received_ms`` after ``after_ms`` (``bound`` if none), so a
        watermark left far behind jumps over the hours nothing arrived in."""
        s = ingress_samples
        query = select(func.min(s.c.received_ms)).where(s.c.received_ms > after_ms)
        async with self._engine.connect() as conn:
            first = (await conn.execute(query)).scalar()
        return bound if first is None else min(bound, max(after_ms, int(first) - 1))

    async def _next_sample(self, slo: Slo, at_ms: int) -> int | None:
        """The earliest ``window_end_ms`` at or after ``at_ms`` of the SLO's samples (one
        probe of the (cluster, service, window_end_ms) index)."""
        s = ingress_samples
        query = select(func.min(s.c.window_end_ms)).where(*selects(slo), s.c.window_end_ms >= at_ms)
        async with self._engine.connect() as conn:
            first = (await conn.execute(query)).scalar()
        return None if first is None else int(first)


def _key_sample(row: Any) -> IngressSample:
    """Just enough of a sample for ``intake.matches`` and its minute."""
    return IngressSample(
        controller="",
        namespace=row.namespace,
        ingress=row.ingress,
        host="",
        service=row.service,
        window_start_ms=0,
        window_end_ms=int(row.window_end_ms),
    )


def _chunks(ranges: list[tuple[int, int]], most: int) -> list[list[tuple[int, int]]]:
    """Group ranges so each group covers at most ``most`` minutes (one range may fill one)."""
    groups: list[list[tuple[int, int]]] = []
    size = most
    for lo, hi in ranges:
        n = (hi - lo) // MINUTE_MS
        if size + n > most:
            groups.append([])
            size = 0
        groups[-1].append((lo, hi))
        size += n
    return groups


async def _bounded(work: Iterable[Callable[[], Awaitable[None]]]) -> None:
    """Run all, at most ``PARALLEL`` at once; a failure cancels the rest (TaskGroup). Takes
    factories, so a step cancelled before its turn leaves no coroutine never awaited."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(w: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await w()

    try:
        async with asyncio.TaskGroup() as tg:
            for w in work:
                tg.create_task(one(w))
    except ExceptionGroup as group:
        # Callers expect the store's own errors (StoreBusy, StoreError), not a group of them.
        raise group.exceptions[0] from group
