"""Agent ``IngressSample`` records -> minute ``Count``s for one SLO. An interval is booked to
the minute its scrape ended in (a 15 s scrape interval puts four per minute); an interval
that spans a missed scrape is booked whole to its end minute rather than spread, because
spreading would invent a distribution the data does not have."""

from __future__ import annotations

from collections.abc import Iterable

from master.slo.counts import MINUTE_MS, Count, merge
from master.slo.definitions import SliType, Slo, check_threshold
from shared.domain.ingress import IngressSample


def matches(slo: Slo, s: IngressSample) -> bool:
    return (
        s.service == slo.service
        and (not slo.namespace or s.namespace == slo.namespace)
        and (not slo.route or s.ingress == slo.route)
    )


def to_count(slo: Slo, s: IngressSample) -> Count:
    buckets = {b / 1000.0: n for b, n in zip(s.latency_bounds_ms, s.latency_counts, strict=True)}
    start = s.window_end_ms - s.window_end_ms % MINUTE_MS
    if slo.sli is SliType.AVAILABILITY:
        return Count(start, s.requests - s.errors, s.requests, buckets)
    assert slo.threshold_s is not None  # checked by Slo
    bound = check_threshold(slo.threshold_s, list(buckets))
    return Count(start, buckets[bound], s.requests, buckets)


def minute_counts(slo: Slo, samples: Iterable[IngressSample]) -> list[Count]:
    by_minute: dict[int, list[Count]] = {}
    for s in samples:
        if matches(slo, s):
            c = to_count(slo, s)
            by_minute.setdefault(c.start_ms, []).append(c)
    return [merge(cs, m) for m, cs in sorted(by_minute.items())]
