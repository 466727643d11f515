"""Reads over many SLOs at once, for the SLO service's evaluation pass and the SLO list: the
sums of each SLO's windows in ONE grouped query per resolution, and the counts of many SLOs
over one range. 500 SLOs x 7 windows is then two scans of an index range, not 3,500 queries.

Windows share their start across SLOs (every 1 h window starts at the same minute), so each
distinct start becomes one ``SUM(CASE ...)`` column pair and each SLO picks its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.slo.counts import Count
from master.store.repositories.slo_rows import count_of
from master.store.schema.tables import slo_counts

Sums = dict[str, dict[int, tuple[int, int]]]  # slo -> window key -> (good, total)


async def window_sums(
    engine: AsyncEngine, resolution: str, since: Mapping[str, Mapping[int, int]]
) -> Sums:
    """``since``: slo -> window key -> first start (inclusive); rows up to now count."""
    starts = sorted({at for windows in since.values() for at in windows.values()})
    if not starts:
        return {}
    t = slo_counts
    columns = []
    for at in starts:
        inside = t.c.start_ms >= at
        columns += [
            func.sum(case((inside, t.c.good), else_=0)),
            func.sum(case((inside, t.c.total), else_=0)),
        ]
    query = (
        select(t.c.slo, *columns)
        .where(and_(t.c.resolution == resolution, t.c.start_ms >= starts[0]))
        .where(t.c.slo.in_(list(since)))
        .group_by(t.c.slo)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    index = {at: i for i, at in enumerate(starts)}
    out: Sums = {}
    for row in rows:
        windows = since.get(row[0], {})
        out[row[0]] = {
            key: (int(row[1 + 2 * index[at]] or 0), int(row[2 + 2 * index[at]] or 0))
            for key, at in windows.items()
        }
    return out


async def read_many(
    engine: AsyncEngine, names: Sequence[str], resolution: str, start_ms: int, end_ms: int
) -> dict[str, list[Count]]:
    """Counts of each SLO in ``names`` starting in [start, end), oldest first."""
    if not names:
        return {}
    t = slo_counts
    query = (
        select(t.c.slo, t.c.start_ms, t.c.good, t.c.total, t.c.buckets_json)
        .where(
            t.c.resolution == resolution,
            t.c.start_ms >= start_ms,
            t.c.start_ms < end_ms,
            t.c.slo.in_(list(names)),
        )
        .order_by(t.c.slo, t.c.start_ms)
    )
    out: dict[str, list[Count]] = {}
    async with engine.connect() as conn:
        for row in await conn.execute(query):
            out.setdefault(row.slo, []).append(count_of(row))
    return out
