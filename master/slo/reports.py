"""Period reports as plain data: per SLO the objective, achieved SLI, met/missed, budget
consumed, the worst days and latency percentiles, for a calendar month or quarter in a time
zone. Rendering (JSON/CSV/HTML) belongs to the gateway."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from master.slo.budget import budget, sli
from master.slo.counts import Count, Series, merge, roll_up
from master.slo.definitions import Slo
from master.slo.latency import Estimate, percentiles
from master.slo.windows import local_day_starts, period_bounds


@dataclass(frozen=True, slots=True)
class DayFigure:
    day_start_ms: int
    sli: float | None
    good: int
    total: int


@dataclass(frozen=True, slots=True)
class SloReport:
    slo: str
    service: str
    cluster: str
    owner: dict[str, str]
    period: str
    start_ms: int
    end_ms: int
    objective: float
    achieved: float | None
    met: bool | None  # None without traffic: nothing was promised about no requests
    good: int
    total: int
    budget_consumed: float
    worst_days: tuple[DayFigure, ...]
    latency: dict[str, Estimate | None]


def report(
    slo: Slo, counts: Iterable[Count], *, period: str, tz: str = "UTC", worst: int = 3
) -> SloReport:
    start, end = period_bounds(period, tz)
    inside = Series(counts).between(start, end)
    whole = merge(inside, start)
    totals = Series(inside).sum(start, end)
    achieved = sli(totals)
    days = roll_up(inside, local_day_starts(start, end, tz))
    figures = [
        DayFigure(d.start_ms, sli(Series([d]).sum(d.start_ms, d.start_ms + 1)), d.good, d.total)
        for d in days
    ]
    ranked = sorted((f for f in figures if f.total), key=lambda f: (f.sli or 0.0, f.day_start_ms))
    return SloReport(
        slo=slo.name,
        service=slo.service,
        cluster=slo.cluster,
        owner=dict(slo.owner),
        period=period,
        start_ms=start,
        end_ms=end,
        objective=slo.objective,
        achieved=achieved,
        met=None if achieved is None else achieved >= slo.objective,
        good=totals.good,
        total=totals.total,
        budget_consumed=budget(totals, objective=slo.objective, window_ms=end - start).consumed,
        worst_days=tuple(ranked[:worst]),
        latency=percentiles(whole.buckets),
    )


def reports(
    slos: Sequence[tuple[Slo, Iterable[Count]]], *, period: str, tz: str = "UTC"
) -> list[SloReport]:
    return [report(s, c, period=period, tz=tz) for s, c in slos]
