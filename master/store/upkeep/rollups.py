"""Roll-ups: 5-minute and 1-hour averages and peaks per node, and 5-minute ones per pod
container, computed from raw samples. Each is one row of :data:`ROLLUPS`: its raw table, the
key columns it groups by and the aggregate of each roll-up column; the pass below is shared.

Buckets are keyed on the agent's sample time (a chart plots a value when it was measured, and
samples replayed after an outage belong where they were taken), but which buckets a pass
recomputes is decided by the master's clock: every bucket that a raw row *received* since the
last pass (``done_until``, in ``received_ms``) up to ``delay`` ago falls in is deleted and
rebuilt from all its raw rows (INSERT ... SELECT ... GROUP BY). So a pass is idempotent, a
sample replayed days late is folded in, and an agent whose clock is hours off is rolled up like
any other -- a window on agent time missed both. A pass covers at most ``SPAN_BUCKETS`` steps of
received time per writer job, so catching up after downtime never holds the writer for long."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
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
    POD_SPEC_FIELDS,
    POD_USAGE_FIELDS,
    node_metrics_1h,
    node_metrics_5m,
    node_metrics_raw,
    pod_metrics_5m,
    pod_metrics_raw,
    rollup_state,
)
from master.store.writing.writer import Writer

SPAN_BUCKETS = 72  # 6 h of 5-minute buckets or 3 days of hourly ones per writer job


Agg = Literal["avg", "max"]


@dataclass(frozen=True, slots=True)
class Rollup:
    source: Table  # raw rows: ``at_ms`` (agent time) and ``received_ms`` (master time)
    table: Table  # ``bucket_ms`` and ``samples`` besides ``keys`` and the aggregates
    step_ms: int
    keys: tuple[str, ...]  # grouped by, with the bucket
    aggregates: tuple[tuple[str, Agg, str], ...]  # (roll-up column, aggregate, raw column)


def _avg_max(fields: Iterable[str]) -> tuple[tuple[str, Agg, str], ...]:
    return tuple((f"{f}_{agg}", agg, f) for f in fields for agg in ("avg", "max"))


_NODE_KEYS = ("cluster", "node")
_NODE_AGGS = _avg_max(METRIC_FIELDS)
_POD_KEYS = ("cluster", "namespace", "pod", "container")
# Requests, limits and restarts are the pod object's, not a measurement: the bucket keeps the
# latest-looking (largest) value, and the workload, which does not change within a pod.
_POD_AGGS = (
    *_avg_max(POD_USAGE_FIELDS),
    *((f, "max", f) for f in (*POD_SPEC_FIELDS, "workload")),
)

# The names are ``rollup_state`` keys (16 characters at most); never rename one.
ROLLUPS: dict[str, Rollup] = {
    "5m": Rollup(node_metrics_raw, node_metrics_5m, 300_000, _NODE_KEYS, _NODE_AGGS),
    "1h": Rollup(node_metrics_raw, node_metrics_1h, 3_600_000, _NODE_KEYS, _NODE_AGGS),
    "pod_5m": Rollup(pod_metrics_raw, pod_metrics_5m, 300_000, _POD_KEYS, _POD_AGGS),
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
    raw = rollup.source

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


def _aggregate(agg: Agg, column: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.avg(column) if agg == "avg" else func.max(column)


def _recompute(conn: Connection, rollup: Rollup, *, received_from: int, received_to: int) -> int:
    """Delete and rebuild, from every raw row they hold, the (keys, bucket)s that rows received
    in ``[received_from, received_to)`` fall in."""
    t, raw = rollup.table, rollup.source
    fresh = (raw.c.received_ms >= received_from, raw.c.received_ms < received_to)
    lo, hi = conn.execute(select(func.min(raw.c.at_ms), func.max(raw.c.at_ms)).where(*fresh)).one()
    if lo is None:
        return 0
    # Inline integer so SELECT, GROUP BY and IN are one expression to MySQL.
    bucket = raw.c.at_ms - raw.c.at_ms % literal_column(str(rollup.step_ms))
    keys = [raw.c[k] for k in rollup.keys]
    touched = select(*keys, bucket).where(*fresh).distinct()
    t_keys = [t.c[k] for k in rollup.keys]
    conn.execute(delete(t).where(tuple_(*t_keys, t.c.bucket_ms).in_(touched)))
    aggs: list[ColumnElement[Any]] = [
        _aggregate(agg, raw.c[src]) for _, agg, src in rollup.aggregates
    ]
    source = (
        select(*keys, bucket, func.count(), *aggs)
        .where(
            # The at_ms range lets the index narrow the scan; the tuple picks the buckets.
            raw.c.at_ms >= _floor(int(lo), rollup.step_ms),
            raw.c.at_ms < _floor(int(hi), rollup.step_ms) + rollup.step_ms,
            tuple_(*keys, bucket).in_(touched),
        )
        .group_by(*keys, bucket)
    )
    names = [*rollup.keys, "bucket_ms", "samples", *(name for name, _, _ in rollup.aggregates)]
    result = conn.execute(insert(t).from_select(names, source))
    return int(result.rowcount)


def _save_done(conn: Connection, name: str, *, done: int | None, end: int) -> None:
    if done is None:
        conn.execute(insert(rollup_state).values(name=name, done_until_ms=end))
    elif end > done:
        conn.execute(
            update(rollup_state).where(rollup_state.c.name == name).values(done_until_ms=end)
        )
