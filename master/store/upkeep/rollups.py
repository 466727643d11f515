"""Roll-ups: 5-minute and 1-hour averages and peaks per node, computed from raw samples.

Each pass recomputes whole buckets from ``done_until - lookback`` up to the last bucket that
ended ``delay`` ago (delete the buckets, insert them again from an INSERT ... SELECT ... GROUP
BY), so it is idempotent and folds in samples that arrived late after an agent outage. A pass
covers at most ``SPAN_BUCKETS`` buckets per writer job so catching up after downtime never holds
the writer for long. Buckets older than raw retention are never recomputed (their raw rows are
gone; recomputing would erase them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, delete, func, insert, literal_column, select, update

from master.store.schema.tables import (
    METRIC_FIELDS,
    node_metrics_1h,
    node_metrics_5m,
    node_metrics_raw,
    rollup_state,
)
from master.store.writing.writer import Writer

SPAN_BUCKETS = 72  # 6 h of 5-minute buckets or 3 days of hourly ones per writer job


@dataclass(frozen=True, slots=True)
class Rollup:
    table: Table
    step_ms: int


ROLLUPS: dict[str, Rollup] = {
    "5m": Rollup(node_metrics_5m, 300_000),
    "1h": Rollup(node_metrics_1h, 3_600_000),
}


def _floor(ms: int, step: int) -> int:
    return ms - ms % step


async def roll_up_step(
    writer: Writer,
    name: str,
    *,
    now_ms: int,
    delay_ms: int,
    lookback_ms: int,
    oldest_raw_ms: int,
) -> tuple[int, bool]:
    """Recompute one span of ``name``'s buckets; returns (buckets written, caught up)."""
    rollup = ROLLUPS[name]
    step = rollup.step_ms
    end_limit = _floor(now_ms - delay_ms, step)

    def work(conn: Connection) -> tuple[int, bool]:
        done = conn.execute(
            select(rollup_state.c.done_until_ms).where(rollup_state.c.name == name)
        ).scalar()
        if done is None:
            first_raw = conn.execute(select(func.min(node_metrics_raw.c.at_ms))).scalar()
            if first_raw is None:
                return 0, True
            start = _floor(int(first_raw), step)
        else:
            start = _floor(int(done) - lookback_ms, step)
        start = max(start, _floor(oldest_raw_ms, step) + step)
        end = min(end_limit, start + SPAN_BUCKETS * step)
        if end <= start:
            return 0, True
        written = _recompute(conn, rollup, start=start, end=end)
        _save_done(conn, name, done=done, end=end)
        return written, end >= end_limit

    return await writer.run(work)


def _recompute(conn: Connection, rollup: Rollup, *, start: int, end: int) -> int:
    t, raw = rollup.table, node_metrics_raw
    conn.execute(delete(t).where(t.c.bucket_ms >= start, t.c.bucket_ms < end))
    # Inline integer so SELECT and GROUP BY are one expression to MySQL.
    bucket = raw.c.at_ms - raw.c.at_ms % literal_column(str(rollup.step_ms))
    aggs = []
    for f in METRIC_FIELDS:
        aggs += [func.avg(raw.c[f]), func.max(raw.c[f])]
    source = (
        select(raw.c.cluster, raw.c.node, bucket, func.count(), *aggs)
        .where(raw.c.at_ms >= start, raw.c.at_ms < end)
        .group_by(raw.c.cluster, raw.c.node, bucket)
    )
    names = ["cluster", "node", "bucket_ms", "samples"]
    for f in METRIC_FIELDS:
        names += [f"{f}_avg", f"{f}_max"]
    result = conn.execute(insert(t).from_select(names, source))
    return int(result.rowcount)


def _save_done(conn: Connection, name: str, *, done: int | None, end: int) -> None:
    if done is None:
        conn.execute(insert(rollup_state).values(name=name, done_until_ms=end))
    elif end > done:
        conn.execute(
            update(rollup_state).where(rollup_state.c.name == name).values(done_until_ms=end)
        )
