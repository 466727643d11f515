"""One SLO's counts recomputed inside a writer transaction: the minutes of some ranges from all
the ingress samples stored for them, then every UTC hour and local day a changed minute lies
in from the stored minutes, then (optionally) the SLO's watermark.

Recomputing from everything stored, never adding to what is there, is what makes a pass
idempotent: a sample that arrives late, a pass that runs twice, or a crash before the commit
all end with the same rows. Hours and days are re-summed rather than adjusted for the same
reason; a day sums its whole hours and the minutes of partial edge hours, so zones whose offset
has minutes (Asia/Kolkata, +05:30) get exact days too. Runs off the event loop on the writer's
connection; what to recompute is decided by ``slo_counts`` (the repository)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, delete, insert, select, update

from master.slo.counts import HOUR_MS, Count, merge
from master.slo.definitions import Slo
from master.slo.intake import matches, minute_counts
from master.store.repositories.slo_rows import (
    count_of,
    count_row,
    countable,
    hour_of,
    local_day,
    sample_of,
    stored,
    whole_hours,
)
from master.store.schema.tables import ingress_samples, slo_counts, slo_state

KEYS_PER_IN = 500  # keys per IN list: well under every backend's bound-parameter limit
MINUTE, HOUR, DAY = "m", "h", "d"


@dataclass(frozen=True, slots=True)
class Recomputed:
    changed: list[Count]  # minutes whose value changed, new values (total 0: now absent)
    skipped: int  # matching samples a latency SLO could not judge (threshold not a bound)


@dataclass(frozen=True, slots=True)
class Watermark:
    definition_hash: str
    done_until_ms: int


def selects(slo: Slo) -> list[ColumnElement[bool]]:
    """The SQL half of ``intake.matches`` (which is applied too), so the index on (cluster,
    service, window_end_ms) narrows the read to this SLO's samples."""
    s = ingress_samples
    conds = [s.c.cluster == slo.cluster, s.c.service == slo.service]
    if slo.namespace:
        conds.append(s.c.namespace == slo.namespace)
    if slo.route:
        conds.append(s.c.ingress == slo.route)
    if slo.namespace:
        conds.append(s.c.namespace == slo.namespace)
    return conds


def recompute(
    conn: Connection,
    slo: Slo,
    *,
    tz: str,
    ranges: Sequence[tuple[int, int]],
    mark: Watermark | None,
) -> Recomputed:
    """Replace the minutes in ``ranges`` (minute-aligned [start, end)) with the sums of their
    stored samples, then the hours and days those changes touch; save ``mark`` if given."""
    changed: list[Count] = []
    skipped = 0
    for lo, hi in ranges:
        fresh, unusable = _minutes_from_samples(conn, slo, lo, hi)
        skipped += unusable
        changed += _replace(conn, slo.name, MINUTE, fresh, _read(conn, slo.name, MINUTE, lo, hi))
    touched = sorted({c.start_ms for c in changed})
    for h in sorted({hour_of(m) for m in touched}):
        _roll(conn, slo.name, HOUR, h, _read(conn, slo.name, MINUTE, h, h + HOUR_MS))
    for d0, d1 in sorted({local_day(m, tz) for m in touched}):
        first, last = whole_hours(d0, d1)
        parts = [
            *_read(conn, slo.name, HOUR, first, last),
            *_read(conn, slo.name, MINUTE, d0, first),
            *_read(conn, slo.name, MINUTE, last, d1),
        ]
        _roll(conn, slo.name, DAY, d0, parts)
    if mark is not None:
        save_mark(conn, slo.name, mark)
    return Recomputed(changed, skipped)


def _minutes_from_samples(conn: Connection, slo: Slo, lo: int, hi: int) -> tuple[list[Count], int]:
    s = ingress_samples
    rows = conn.execute(
        select(s).where(*selects(slo), s.c.window_end_ms >= lo, s.c.window_end_ms < hi)
    )
    samples = [x for x in map(sample_of, rows) if matches(slo, x)]
    usable = [x for x in samples if countable(slo, x)]
    counts = [stored(slo, c) for c in minute_counts(slo, usable) if c.total]
    return counts, len(samples) - len(usable)


def _read(conn: Connection, slo: str, resolution: str, lo: int, hi: int) -> list[Count]:
    if lo >= hi:
        return []
    t = slo_counts
    rows = conn.execute(
        select(t.c.start_ms, t.c.good, t.c.total, t.c.buckets_json)
        .where(t.c.slo == slo, t.c.resolution == resolution, t.c.start_ms >= lo, t.c.start_ms < hi)
        .order_by(t.c.start_ms)
    )
    return [count_of(r) for r in rows]


def _replace(
    conn: Connection, slo: str, resolution: str, fresh: Iterable[Count], old: Iterable[Count]
) -> list[Count]:
    """Make the stored rows among ``old``'s starts and ``fresh``'s equal ``fresh``; returns the
    periods whose value changed (a period gone from ``fresh`` as a zero count)."""
    new = {c.start_ms: c for c in fresh}
    before = {c.start_ms: c for c in old}
    gone = [Count(m, 0, 0) for m in before if m not in new]
    changed = [c for m, c in new.items() if before.get(m) != c] + gone
    starts = sorted(c.start_ms for c in changed)
    t = slo_counts
    for i in range(0, len(starts), KEYS_PER_IN):
        conn.execute(
            delete(t).where(
                t.c.slo == slo,
                t.c.resolution == resolution,
                t.c.start_ms.in_(starts[i : i + KEYS_PER_IN]),
            )
        )
    rows = [count_row(slo, resolution, c) for c in changed if c.total]
    if rows:
        conn.execute(insert(t), rows)
    return sorted(changed, key=lambda c: c.start_ms)


def _roll(conn: Connection, slo: str, resolution: str, start_ms: int, parts: list[Count]) -> None:
    total = merge(parts, start_ms)
    t = slo_counts
    key = (t.c.slo == slo, t.c.resolution == resolution, t.c.start_ms == start_ms)
    conn.execute(delete(t).where(*key))
    if total.total:
        conn.execute(insert(t).values(count_row(slo, resolution, total)))


def save_mark(conn: Connection, slo: str, mark: Watermark) -> None:
    t = slo_state
    values = {"definition_hash": mark.definition_hash, "done_until_ms": mark.done_until_ms}
    if conn.execute(update(t).where(t.c.slo == slo).values(values)).rowcount == 0:
        conn.execute(insert(t).values(slo=slo, **values))


def advance(conn: Connection, *, marks: Sequence[tuple[str, int]]) -> None:
    """Move watermarks of SLOs whose new samples touched nothing (one statement each)."""
    t = slo_state
    for slo, until in marks:
        conn.execute(update(t).where(t.c.slo == slo).values(done_until_ms=until))


def forget_rows(
    conn: Connection, slo: str, *, resolution: str, after_ms: int, before_ms: int
) -> int:
    """Delete the SLO's state and its ``resolution`` counts starting in [after, before). State
    goes first: without it the SLO is rebuilt whole next time, so a forget cut short (or a
    rebuild's) leaves nothing half-counted behind."""
    conn.execute(delete(slo_state).where(slo_state.c.slo == slo))
    t = slo_counts
    result = conn.execute(
        delete(t).where(
            t.c.slo == slo,
            t.c.resolution == resolution,
            t.c.start_ms >= after_ms,
            t.c.start_ms < before_ms,
        )
    )
    return int(result.rowcount)
