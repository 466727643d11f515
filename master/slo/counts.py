"""Per-minute counts of one SLO and range sums over them.

A ``Count`` covers [start_ms, start_ms + span): good and total requests and, for latency
percentiles, cumulative bucket counts (upper bound in seconds -> count). Minutes with no
traffic are simply absent: they add nothing to either side of the ratio. ``Series`` answers
"how many in [a, b)" with prefix sums, so 500 SLOs x seven burn windows stay cheap."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MINUTE_MS = 60_000
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Count:
    start_ms: int
    good: int
    total: int
    buckets: Mapping[float, int] = field(default_factory=dict)

    @property
    def bad(self) -> int:
        return self.total - self.good


@dataclass(frozen=True, slots=True)
class Totals:
    good: int = 0
    total: int = 0

    @property
    def bad(self) -> int:
        return self.total - self.good


class Series:
    """Counts sorted by start, with prefix sums of good and total."""

    __slots__ = ("_good", "_starts", "_total", "counts")

    def __init__(self, counts: Iterable[Count]) -> None:
        self.counts: Sequence[Count] = sorted(counts, key=lambda c: c.start_ms)
        self._starts = [c.start_ms for c in self.counts]
        self._good = [0]
        self._total = [0]
        for c in self.counts:
            self._good.append(self._good[-1] + c.good)
            self._total.append(self._total[-1] + c.total)

    def sum(self, start_ms: int, end_ms: int) -> Totals:
        """Counts whose start lies in [start, end)."""
        i = bisect.bisect_left(self._starts, start_ms)
        j = bisect.bisect_left(self._starts, end_ms)
        return Totals(self._good[j] - self._good[i], self._total[j] - self._total[i])

    def between(self, start_ms: int, end_ms: int) -> Sequence[Count]:
        i = bisect.bisect_left(self._starts, start_ms)
        j = bisect.bisect_left(self._starts, end_ms)
        return self.counts[i:j]


def merge(counts: Iterable[Count], start_ms: int) -> Count:
    good = total = 0
    buckets: dict[float, int] = {}
    for c in counts:
        good += c.good
        total += c.total
        for le, n in c.buckets.items():
            buckets[le] = buckets.get(le, 0) + n
    return Count(start_ms, good, total, dict(sorted(buckets.items())))


def roll_up(counts: Iterable[Count], boundaries: Sequence[int]) -> list[Count]:
    """Sum counts into the periods that start at ``boundaries`` (sorted; the last period is
    open-ended). Minute -> hour uses hour starts; hour -> day uses local midnights
    (``windows.local_day_starts``), so days follow the time zone, DST included."""
    groups: dict[int, list[Count]] = {}
    for c in counts:
        i = bisect.bisect_right(boundaries, c.start_ms) - 1
        if i >= 0:
            groups.setdefault(boundaries[i], []).append(c)
    return [merge(groups[b], b) for b in sorted(groups)]


def hour_starts(start_ms: int, end_ms: int) -> list[int]:
    first = start_ms - start_ms % HOUR_MS
    return list(range(first, end_ms, HOUR_MS))
