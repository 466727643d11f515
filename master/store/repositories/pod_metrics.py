"""Read side of pod metrics: per-container CPU and memory series of one pod, and of one
workload's pods summed, each next to the requests and limits the pod objects had.

The table for a range is picked as for node metrics (:func:`history.pick_resolution`, over
this family's two tables): raw samples (~30 s apart) up to a day, 5-minute roll-ups beyond --
and a range older than raw retention falls back to the roll-ups. Every series has the same
columns whatever the table: usage as ``<field>_avg`` / ``<field>_max`` (equal for a raw
point) and the spec side as the max in the bucket. Does not own HTTP parsing (the gateway
route) nor writing (``journal_commit``, ``master.store.upkeep``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.history import (
    HOUR_MS,
    Resolution,
    check_points,
    num,
    pick_resolution,
)
from master.store.schema.tables import (
    POD_SPEC_FIELDS,
    POD_USAGE_FIELDS,
    pod_metrics_5m,
    pod_metrics_raw,
)

RESOLUTIONS: dict[str, Resolution] = {
    "raw": Resolution(pod_metrics_raw, 0, 24 * HOUR_MS),  # 2,880 points at 30 s
    "5m": Resolution(pod_metrics_5m, 300_000, 2**62),
}
RAW_SPACING_MS = 30_000  # the agent's default interval
WORKLOAD_STEP_MS = 60_000  # pods sample at different moments: a workload sums per bucket

USAGE = tuple(f"{f}_{agg}" for f in POD_USAGE_FIELDS for agg in ("avg", "max"))
POD_FIELDS = (*USAGE, *POD_SPEC_FIELDS)
# A workload: the sum over its pods of each pod's bucket average (usage, requests, limits),
# the busiest pod's peaks and largest limits (what an OOM compares against), and pods counted.
WORKLOAD_SUMS = ("cpu_m", "mem_bytes", "cpu_request_m", "cpu_limit_m", "mem_request", "mem_limit")
WORKLOAD_PEAKS = ("cpu_m_max", "mem_bytes_max", "cpu_limit_m", "mem_limit", "restarts")
WORKLOAD_FIELDS = (
    *WORKLOAD_SUMS,
    *(f"pod_{f}" for f in WORKLOAD_PEAKS),
    "pods",
)


@dataclass(frozen=True, slots=True)
class ContainerSeries:
    """Columnar: ``times_ms[i]`` goes with ``values[field][i]``."""

    container: str
    times_ms: tuple[int, ...]
    values: dict[str, tuple[float | None, ...]]


@dataclass(frozen=True, slots=True)
class PodMetricSeries:
    resolution: str  # raw | 5m: the table the points came from
    step_ms: int  # spacing of the buckets returned; 0 for raw points as sampled
    containers: tuple[ContainerSeries, ...]


def _when(res: Resolution) -> Any:
    t = res.table
    return t.c.at_ms if res.step_ms == 0 else t.c.bucket_ms


def _bucket(when: Any, step: int) -> ColumnElement[Any]:
    # Inline integer, not a bound parameter: MySQL must see SELECT and GROUP BY as one.
    bucket: ColumnElement[Any] = (when - when % literal_column(str(int(step)))).label("bucket")
    return bucket


def _usage_columns(res: Resolution, *, grouped: bool) -> list[ColumnElement[Any]]:
    """``<field>_avg`` and ``<field>_max`` for each usage field, from either table, per row
    (``grouped=False``) or per bucket (sample-weighted averages over roll-up rows)."""
    t = res.table
    cols: list[ColumnElement[Any]] = []
    for f in POD_USAGE_FIELDS:
        avg: ColumnElement[Any]
        peak: ColumnElement[Any]
        if res.step_ms == 0:
            avg = func.avg(t.c[f]) if grouped else t.c[f]
            peak = func.max(t.c[f]) if grouped else t.c[f]
        elif grouped:
            avg = func.sum(t.c[f"{f}_avg"] * t.c.samples) / func.sum(t.c.samples)
            peak = func.max(t.c[f"{f}_max"])
        else:
            avg, peak = t.c[f"{f}_avg"], t.c[f"{f}_max"]
        cols += [avg.label(f"{f}_avg"), peak.label(f"{f}_max")]
    return cols


def _pod_query(
    res: Resolution, *, step: int, where: tuple[ColumnElement[bool], ...]
) -> Select[Any]:
    t = res.table
    when = _when(res)
    if not step:
        spec = [t.c[f] for f in POD_SPEC_FIELDS]
        cols = [t.c.container, when, *_usage_columns(res, grouped=False), *spec]
        return select(*cols).where(*where).order_by(t.c.container, when)
    bucket = _bucket(when, step)
    spec_max = [func.max(t.c[f]).label(f) for f in POD_SPEC_FIELDS]
    return (
        select(t.c.container, bucket, *_usage_columns(res, grouped=True), *spec_max)
        .where(*where)
        .group_by(t.c.container, bucket)
        .order_by(t.c.container, bucket)
    )


def _workload_query(
    res: Resolution, *, step: int, where: tuple[ColumnElement[bool], ...]
) -> Select[Any]:
    t = res.table
    bucket = _bucket(_when(res), step)
    per_pod = (
        select(
            t.c.pod,
            t.c.container,
            bucket,
            *_usage_columns(res, grouped=True),
            *(func.max(t.c[f]).label(f) for f in POD_SPEC_FIELDS),
        )
        .where(*where)
        .group_by(t.c.pod, t.c.container, bucket)
        .subquery()
    )
    p = per_pod.c
    sums = [func.sum(p[f"{f}_avg"] if f in POD_USAGE_FIELDS else p[f]).label(f)
            for f in WORKLOAD_SUMS]  # fmt: skip
    peaks = [func.max(p[f]).label(f"pod_{f}") for f in WORKLOAD_PEAKS]
    return (
        select(p.container, p.bucket, *sums, *peaks, func.count().label("pods"))
        .group_by(p.container, p.bucket)
        .order_by(p.container, p.bucket)
    )


def _columnar(rows: list[Any], fields: tuple[str, ...]) -> tuple[ContainerSeries, ...]:
    by_container: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_container[str(r[0])].append(r)
    return tuple(
        ContainerSeries(
            container=name,
            times_ms=tuple(int(r[1]) for r in got),
            values={f: tuple(num(r[i + 2]) for r in got) for i, f in enumerate(fields)},
        )
        for name, got in by_container.items()
    )


class PodMetricsRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def pod_series(
        self,
        cluster: str,
        namespace: str,
        pod: str,
        *,
        from_ms: int,
        to_ms: int,
        step_ms: int | None = None,
    ) -> PodMetricSeries:
        """One pod's containers over ``[from_ms, to_ms)``, bucketed by ``step_ms`` when it is
        coarser than the table's own spacing. Raises ValueError past ``MAX_POINTS`` points."""

        def where(res: Resolution) -> tuple[ColumnElement[bool], ...]:
            t, when = res.table, _when(res)
            return (t.c.cluster == cluster, t.c.namespace == namespace, t.c.pod == pod,
                    when >= from_ms, when < to_ms)  # fmt: skip

        return await self._series(
            from_ms, to_ms, step_ms, where, query=_pod_query, fields=POD_FIELDS, min_step=0
        )

    async def workload_series(
        self,
        cluster: str,
        namespace: str,
        workload: str,
        *,
        from_ms: int,
        to_ms: int,
        step_ms: int | None = None,
    ) -> PodMetricSeries:
        """A workload's (``Kind/name``) pods per container name, summed per bucket (see
        :data:`WORKLOAD_FIELDS`); buckets are at least :data:`WORKLOAD_STEP_MS` wide."""

        def where(res: Resolution) -> tuple[ColumnElement[bool], ...]:
            t, when = res.table, _when(res)
            return (t.c.cluster == cluster, t.c.workload == workload,
                    t.c.namespace == namespace, when >= from_ms, when < to_ms)  # fmt: skip

        return await self._series(
            from_ms,
            to_ms,
            step_ms,
            where,
            query=_workload_query,
            fields=WORKLOAD_FIELDS,
            min_step=WORKLOAD_STEP_MS,
        )

    async def _series(
        self,
        from_ms: int,
        to_ms: int,
        step_ms: int | None,
        where: Any,
        *,
        query: Any,
        fields: tuple[str, ...],
        min_step: int,
    ) -> PodMetricSeries:
        names = list(RESOLUTIONS)
        first = names.index(pick_resolution(to_ms - from_ms, step_ms, RESOLUTIONS))
        rows: list[Any] = []
        async with self._engine.connect() as conn:
            # A range older than raw retention finds no raw rows: fall back to the roll-ups.
            for resolution in names[first:]:
                res = RESOLUTIONS[resolution]
                wanted = max(step_ms or 0, min_step)
                step = wanted if wanted > res.step_ms else (min_step and res.step_ms)
                check_points(to_ms - from_ms, step or res.step_ms or RAW_SPACING_MS)
                rows = list(await conn.execute(query(res, step=step, where=where(res))))
                if rows:
                    break
        return PodMetricSeries(resolution, step or res.step_ms, _columnar(rows, fields))

    async def received_since(
        self, after_ms: int, *, until_ms: int, limit: int = 50_000
    ) -> list[ContainerSample]:
        return await received_since(self._engine, after_ms, until_ms=until_ms, limit=limit)


@dataclass(frozen=True, slots=True)
class ContainerSample:
    """One raw sample with its pod's spec side, as the anomaly service follows them."""

    cluster: str
    namespace: str
    pod: str
    container: str
    workload: str
    at_ms: int
    cpu_m: float
    mem_bytes: int
    cpu_limit_m: float | None
    mem_limit: int | None
    restarts: int
    received_ms: int


async def received_since(
    engine: AsyncEngine, after_ms: int, *, until_ms: int, limit: int
) -> list[ContainerSample]:
    """Raw samples the master received in ``(after_ms, until_ms]``, oldest received first, at
    most ``limit`` (the caller goes on from the last one's ``received_ms``). ``until_ms`` keeps
    a page from ending inside a millisecond whose other rows a later call would skip."""
    t = pod_metrics_raw
    q = (
        select(
            t.c.cluster,
            t.c.namespace,
            t.c.pod,
            t.c.container,
            t.c.workload,
            t.c.at_ms,
            t.c.cpu_m,
            t.c.mem_bytes,
            t.c.cpu_limit_m,
            t.c.mem_limit,
            t.c.restarts,
            t.c.received_ms,
        )
        .where(t.c.received_ms > after_ms, t.c.received_ms <= until_ms)
        .order_by(t.c.received_ms, t.c.at_ms)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(q)).all()
    return [
        ContainerSample(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            int(r[5]),
            float(r[6]),
            int(r[7]),
            num(r[8]),
            None if r[9] is None else int(r[9]),
            int(r[10]),
            int(r[11]),
        )
        for r in rows
    ]
