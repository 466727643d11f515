"""Read side of the history: finding occurrences by time range and node metric series.

Owns the query shapes the history API needs and the choice of table for a range (raw, 5-minute
or 1-hour roll-ups, see :func:`pick_resolution`). Ranges and ordering use the agent's times (what
the agent observed, and when); each row's ``received_ms`` (the master's clock) comes along so a
reader can see an agent's clock skew. Does not own HTTP parsing (the gateway route)
nor writing (``journal_commit``, ``master.store.upkeep``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.rows import (
    FindingOccurrence,
    FindingsPage,
    MetricSeries,
    NodeSummary,
)
from master.store.schema.tables import (
    METRIC_FIELDS,
    findings_history,
    node_metrics_1h,
    node_metrics_5m,
    node_metrics_raw,
)
from shared.domain.findings import Severity

HOUR_MS = 3_600_000
MAX_POINTS = 5_000  # per series: more than any chart is wide, small enough to stay fast
RECEIVED = "received_ms"  # label of the master's receive time in raw series queries


@dataclass(frozen=True, slots=True)
class Resolution:
    table: Table
    step_ms: int  # native spacing of rows; 0 = raw samples (about 15 s apart)
    max_range_ms: int  # the widest range served from this table when no step is asked for


# Finest first. Raw up to 6 h (~1,440 points at 15 s), 5-minute buckets up to 7 days (2,016).
RESOLUTIONS: dict[str, Resolution] = {
    "raw": Resolution(node_metrics_raw, 0, 6 * HOUR_MS),
    "5m": Resolution(node_metrics_5m, 300_000, 7 * 24 * HOUR_MS),
    "1h": Resolution(node_metrics_1h, HOUR_MS, 2**62),
}


def pick_resolution(
    range_ms: int, step_ms: int | None, resolutions: Mapping[str, Resolution] = RESOLUTIONS
) -> str:
    """The coarser of: the finest table whose range limit covers ``range_ms``, and the coarsest
    table whose native spacing still fits inside ``step_ms`` (a 1 h step never needs raw rows).
    ``resolutions`` is a family's tables, finest first (node metrics by default)."""
    table = list(resolutions.values())
    by_range = next((i for i, r in enumerate(table) if range_ms <= r.max_range_ms), len(table) - 1)
    by_step = max(i for i, r in enumerate(table) if r.step_ms <= (step_ms or 0))
    return list(resolutions)[max(by_range, by_step)]


def check_points(range_ms: int, spacing_ms: int) -> None:
    """Raises ValueError when ``range_ms`` at ``spacing_ms`` would exceed :data:`MAX_POINTS`."""
    if range_ms // spacing_ms > MAX_POINTS:
        raise ValueError(
            f"{range_ms // spacing_ms} points requested, at most "
            f"{MAX_POINTS}: narrow the range or raise the step"
        )


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The row id after which the next page starts. Also takes the ``opened:id`` cursors of
    earlier versions (the id alone places them). Raises ValueError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        _, row_id = raw.split(":")
        if not row_id.isascii() or not row_id.isdigit():
            raise ValueError(row_id)
        return int(row_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError(f"invalid cursor {cursor!r}: pass back the next_cursor you got") from None


def num(value: Any) -> float | None:
    # MySQL returns AVG() of integer columns as Decimal.
    if value is None:
        return None
    return float(value)


def _occurrence(r: Any) -> FindingOccurrence:
    return FindingOccurrence(
        id=r.id,
        cluster=r.cluster,
        fingerprint=r.fingerprint,
        reason=r.reason,
        severity=Severity(r.severity),
        category=r.category,
        subject_kind=r.subject_kind,
        subject_ns=r.subject_ns,
        subject_name=r.subject_name,
        subject_uid=r.subject_uid,
        owner=r.owner,
        node=r.node,
        message=r.message,
        opened_ms=r.opened_ms,
        last_seen_ms=r.last_seen_ms,
        resolved_ms=r.resolved_ms,
        count=r.count,
        received_ms=r.received_ms,
    )


class HistoryRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def findings(
        self,
        cluster: str,
        *,
        from_ms: int,
        to_ms: int,
        reason: str | None = None,
        namespace: str | None = None,
        namespaces: frozenset[str] | None = None,
        severity: Severity | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> FindingsPage:
        """Occurrences active at some point in ``[from_ms, to_ms)`` (opened before ``to_ms``,
        last seen at or after ``from_ms``), the one the master recorded last first: rows are
        inserted when an occurrence opens, so their id is the master's order of openings, which
        an agent's clock cannot reorder (one days ahead would otherwise stay on top).
        ``severity`` is a floor (warning = warning and critical), as for active findings.
        Raises ValueError for a cursor it did not issue."""
        t = findings_history
        conds: list[ColumnElement[bool]] = [
            t.c.cluster == cluster,
            t.c.opened_ms < to_ms,
            t.c.last_seen_ms >= from_ms,
        ]
        if reason:
            conds.append(t.c.reason == reason)
        if namespace:
            conds.append(t.c.subject_ns == namespace)
        if namespaces is not None:  # a caller who may see only these (empty: nothing)
            conds.append(t.c.subject_ns.in_(sorted(namespaces)))
        if severity is not None:
            conds.append(t.c.severity >= int(severity))
        if cursor:
            conds.append(t.c.id < decode_cursor(cursor))
        q = select(t).where(*conds).order_by(t.c.id.desc()).limit(limit + 1)
        async with self._engine.connect() as conn:
            rows = [_occurrence(r) for r in await conn.execute(q)]
        more = len(rows) > limit
        items = tuple(rows[:limit])
        next_cursor = encode_cursor(items[-1].id) if more else None
        return FindingsPage(items, next_cursor)

    async def node_series(
        self,
        cluster: str,
        node: str,
        *,
        from_ms: int,
        to_ms: int,
        step_ms: int | None = None,
    ) -> MetricSeries:
        """One node's metrics over ``[from_ms, to_ms)`` from the table :func:`pick_resolution`
        chooses, bucketed by ``step_ms`` when it is coarser than the table's own spacing.
        Raises ValueError when the range/step would exceed :data:`MAX_POINTS` points."""
        names = list(RESOLUTIONS)
        first = names.index(pick_resolution(to_ms - from_ms, step_ms))
        async with self._engine.connect() as conn:
            # A range older than raw (or 5-minute) retention finds no rows there: fall back to
            # the next coarser table rather than answer with an empty series.
            for resolution in names[first:]:
                res = RESOLUTIONS[resolution]
                step = step_ms if step_ms and step_ms > res.step_ms else 0
                check_points(to_ms - from_ms, step or res.step_ms or 15_000)
                result = await conn.execute(
                    _series_query(
                        res, step=step, cluster=cluster, node=node, from_ms=from_ms, to_ms=to_ms
                    )
                )
                columns = list(result.keys())[1:]
                rows = result.all()
                if rows:
                    break
        received = None
        if columns and columns[-1] == RECEIVED:
            columns.pop()
            received = tuple(int(r[-1]) for r in rows)
        return MetricSeries(
            cluster=cluster,
            node=node,
            resolution=resolution,
            step_ms=step or res.step_ms,
            times_ms=tuple(int(r[0]) for r in rows),
            values={n: tuple(num(r[i + 1]) for r in rows) for i, n in enumerate(columns)},
            received_ms=received,
        )

    async def node_summaries(self, cluster: str, *, from_ms: int, to_ms: int) -> list[NodeSummary]:
        """Per-node averages and peaks over the window for every node of the cluster, from the
        finest table that covers the range."""
        res = RESOLUTIONS[pick_resolution(to_ms - from_ms, None)]
        t = res.table
        when = t.c.at_ms if res.step_ms == 0 else t.c.bucket_ms
        cols: list[ColumnElement[Any]]
        if res.step_ms == 0:
            cols = [
                func.count(),
                func.avg(t.c.cpu_pct),
                func.max(t.c.cpu_pct),
                func.avg(t.c.mem_used),
                func.max(t.c.mem_used),
                func.max(t.c.mem_total),
                func.max(t.c.disk_util_max),
            ]
        else:
            weight = func.sum(t.c.samples)
            cols = [
                weight,
                func.sum(t.c.cpu_pct_avg * t.c.samples) / weight,
                func.max(t.c.cpu_pct_max),
                func.sum(t.c.mem_used_avg * t.c.samples) / weight,
                func.max(t.c.mem_used_max),
                func.max(t.c.mem_total_max),
                func.max(t.c.disk_util_max_max),
            ]
        q = (
            select(t.c.node, *cols)
            .where(t.c.cluster == cluster, when >= from_ms, when < to_ms)
            .group_by(t.c.node)
            .order_by(t.c.node)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        return [NodeSummary(r[0], int(r[1] or 0), *(num(v) for v in r[2:])) for r in rows]


def _series_query(
    res: Resolution, *, step: int, cluster: str, node: str, from_ms: int, to_ms: int
) -> Select[Any]:
    t = res.table
    when = t.c.at_ms if res.step_ms == 0 else t.c.bucket_ms
    where = (t.c.cluster == cluster, t.c.node == node, when >= from_ms, when < to_ms)
    if res.step_ms == 0 and not step:
        # Ordered by the agent's time, as the points are plotted; the master's receive time
        # rides along last so a reader can see skew.
        fields = (t.c[f] for f in METRIC_FIELDS)
        return select(when, *fields, t.c.received_ms.label(RECEIVED)).where(*where).order_by(when)
    if not step:
        cols = [t.c[f"{f}_{agg}"] for f in METRIC_FIELDS for agg in ("avg", "max")]
        return select(when, *cols).where(*where).order_by(when)
    # Inline integer, not a bound parameter: MySQL must see SELECT and GROUP BY as one expression.
    bucket = (when - when % literal_column(str(int(step)))).label("bucket")
    aggs: list[Any] = []
    for f in METRIC_FIELDS:
        if res.step_ms == 0:
            aggs += [func.avg(t.c[f]).label(f"{f}_avg"), func.max(t.c[f]).label(f"{f}_max")]
        else:
            aggs += [
                (func.sum(t.c[f"{f}_avg"] * t.c.samples) / func.sum(t.c.samples)).label(f"{f}_avg"),
                func.max(t.c[f"{f}_max"]).label(f"{f}_max"),
            ]
    if res.step_ms == 0:
        aggs.append(func.max(t.c.received_ms).label(RECEIVED))
    return select(bucket, *aggs).where(*where).group_by(bucket).order_by(bucket)
