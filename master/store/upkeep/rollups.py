"""Roll-ups: 5-minute and 1-hour averages and peaks per node, computed from raw samples.

Buckets are keyed on the agent's sample time (a chart plots a value when it was measured, and
samples replayed after an outage belong where they were taken), but which buckets a pass
recomputes is decided by the master's clock: every bucket that a raw row *received* since the
last pass (``done_until``, in ``received_ms``) up to ``delay`` ago falls in is deleted and
rebuilt from all its raw rows (INSERT ... SELECT ... GROUP BY). So a pass is idempotent, a
sample replayed days late is folded in, and an agent whose clock is hours off is rolled up like
any other -- a window on agent time missed both. A pass covers at most ``SPAN_BUCKETS`` steps of
received time per writer job, so catching up after downtime never holds the writer for long."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Table,
    delete,
    func,
    insert,
    literal_column,
    select,
    tuple_,
    update,
)

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
    writer: Writer, name: str, *, now_ms: int, delay_ms: int
) -> tuple[int, bool]:
    """Recompute the buckets touched by one span of received rows; returns (buckets written,
    caught up)."""
    rollup = ROLLUPS[name]
    span = SPAN_BUCKETS * rollup.step_ms
    end_limit = now_ms - delay_ms
    raw = node_metrics_raw

    def work(conn: Connection) -> tuple[int, bool]:
        done = conn.execute(
            select(rollup_state.c.done_until_ms).where(rollup_state.c.name == name)
        ).scalar()
        if done is None:
            first = conn.execute(select(func.min(raw.c.received_ms))).scalar()
            if first is None:
                return 0, True
            start = int(first)
        else:
            start = int(done)
        end = min(end_limit, start + span)
        if end <= start:
            return 0, True
        written = _recompute(conn, rollup, received_from=start, received_to=end)
        _save_done(conn, name, done=done, end=end)
        return written, end >= end_limit

    return await writer.run(work)


def _recompute(conn: Connection, rollup: Rollup, *, received_from: int, received_to: int) -> int:
    """Delete and rebuild, from every raw row they hold, the (cluster, node, bucket)s that rows
    received in ``[received_from, received_to)`` fall in."""
    t, raw = rollup.table, node_metrics_raw
    fresh = (raw.c.received_ms >= received_from, raw.c.received_ms < received_to)
    lo, hi = conn.execute(select(func.min(raw.c.at_ms), func.max(raw.c.at_ms)).where(*fresh)).one()
    if lo is None:
        return 0
    # Inline integer so SELECT, GROUP BY and IN are one expression to MySQL.
    bucket = raw.c.at_ms - raw.c.at_ms % literal_column(str(rollup.step_ms))
    touched = select(raw.c.cluster, raw.c.node, bucket).where(*fresh).distinct()
    conn.execute(delete(t).where(tuple_(t.c.cluster, t.c.node, t.c.bucket_ms).in_(touched)))
    aggs = []
    for f in METRIC_FIELDS:
        aggs += [func.avg(raw.c[f]), func.max(raw.c[f])]
    source = (
        select(raw.c.cluster, raw.c.node, bucket, func.count(), *aggs)
        .where(
            # The at_ms range lets the index narrow the scan; the tuple picks the buckets.
            raw.c.at_ms >= _floor(int(lo), rollup.step_ms),
            raw.c.at_ms < _floor(int(hi), rollup.step_ms) + rollup.step_ms,
            tuple_(raw.c.cluster, raw.c.node, bucket).in_(touched),
        )
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
