"""One SLO's current figures from window sums: SLI and budget over its window, burn rate over
each standard window, which rules are active. Pure: sums and ``now`` in, a value out.

Short windows (up to 6 h) are summed from minute counts, the day-long ones and the SLO's own
window from hour counts (cheap for 500 SLOs); either way a window begins at the start of the
unit that holds ``now - W``, so it is at most one unit longer than named, never shorter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from master.slo.budget import Budget, budget
from master.slo.burn import BURN_WINDOWS_S, BurnSignal, burn_rates_of, evaluate_sums, rule_windows_s
from master.slo.counts import HOUR_MS, MINUTE_MS, Totals
from master.slo.definitions import Slo
from master.slo.windows import window_bounds

MINUTE_WINDOW_MAX_S = 6 * 3600  # longer windows come from hour counts


@dataclass(frozen=True, slots=True)
class Since:
    """Where each window sum starts, per resolution: the store sums from these."""

    minutes: dict[int, int]  # window seconds -> first minute start
    hours: dict[int, int]  # window seconds -> first hour start
    window_start_ms: int  # the SLO's own window, as summed: from the start of its first hour
    window_end_ms: int
    nominal_start_ms: int  # ... and as defined (the budget as time is of this length)


@dataclass(frozen=True, slots=True)
class SloStatus:
    slo: Slo
    now_ms: int
    window_start_ms: int
    window_end_ms: int
    totals: Totals
    budget: Budget
    burn: dict[str, float]
    signals: tuple[BurnSignal, ...]

    @property
    def firing(self) -> tuple[BurnSignal, ...]:
        return tuple(s for s in self.signals if s.active)


def windows_s(slo: Slo) -> set[int]:
    return set(BURN_WINDOWS_S.values()) | rule_windows_s(slo)


def since(slo: Slo, now_ms: int) -> Since:
    """Each window starts at the minute (or hour) that holds ``now - W``: it covers W and the
    part of the current minute (hour) seen so far -- at most one unit more, never less."""
    minutes: dict[int, int] = {}
    hours: dict[int, int] = {}
    for s in windows_s(slo):
        start = now_ms - s * 1000
        if s <= MINUTE_WINDOW_MAX_S:
            minutes[s] = start - start % MINUTE_MS
        else:
            hours[s] = start - start % HOUR_MS
    start, end = window_bounds(slo.window, now_ms)
    return Since(minutes, hours, start - start % HOUR_MS, end, start)


def status(
    slo: Slo, now_ms: int, at: Since, sums: Mapping[int, Totals], window: Totals
) -> SloStatus:
    """``sums``: window seconds -> totals for every key of ``at.minutes`` and ``at.hours``;
    ``window``: the totals since ``at.window_start_ms``."""

    def lookup(seconds: int) -> Totals:
        return sums.get(seconds, Totals())

    return SloStatus(
        slo=slo,
        now_ms=now_ms,
        window_start_ms=at.nominal_start_ms,
        window_end_ms=at.window_end_ms,
        totals=window,
        budget=budget(
            window, objective=slo.objective, window_ms=at.window_end_ms - at.nominal_start_ms
        ),
        burn=burn_rates_of(lookup, slo.objective),
        signals=tuple(evaluate_sums(slo, lookup, now_ms)),
    )
