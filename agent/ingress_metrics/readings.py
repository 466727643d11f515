"""Domain shapes of scraped ingress traffic: which service/route a series belongs to and its
cumulative counters at one scrape. Counters are kept as ints: exposition carries floats, but
request counts are whole numbers and int arithmetic keeps deltas exact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

INF = float("inf")


@dataclass(frozen=True, slots=True, order=True)
class SeriesKey:
    """One service/route as the controller names it."""

    controller: str
    namespace: str = ""
    service: str = ""
    route: str = ""  # ingress name, router, entrypoint, frontend -- whatever the source routes by
    host: str = ""


@dataclass(frozen=True, slots=True)
class Reading:
    """Cumulative counters of one key at one scrape. ``buckets`` maps an upper bound in
    seconds (``inf`` included) to the cumulative count of requests at or below it."""

    total: int
    bad: int
    buckets: Mapping[float, int] = field(default_factory=dict)


@dataclass(slots=True)
class ReadingBuilder:
    """Mutable accumulator a source fills while it walks the samples of one scrape."""

    total: float = 0.0
    bad: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)
    seen_total: bool = False

    def add_total(self, value: float, *, bad: bool) -> None:
        self.seen_total = True
        self.total += value
        if bad:
            self.bad += value

    def add_bucket(self, le: float, value: float) -> None:
        self.buckets[le] = self.buckets.get(le, 0.0) + value

    def build(self) -> Reading:
        return Reading(
            total=round(self.total),
            bad=round(self.bad),
            buckets={le: round(v) for le, v in sorted(self.buckets.items())},
        )


def build_all(builders: Mapping[SeriesKey, ReadingBuilder]) -> dict[SeriesKey, Reading]:
    return {k: b.build() for k, b in sorted(builders.items())}
