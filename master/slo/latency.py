"""Latency from cumulative histogram buckets (upper bound in seconds -> count, ``inf``
included). The SLI uses a bucket boundary, so it is exact; percentiles are estimates by linear
interpolation inside their bucket, and the bucket's bounds travel with them so nobody reads
"p99 = 0.37 s" as more precise than "between 0.25 and 0.5 s"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from master.slo.definitions import check_threshold

INF = float("inf")


@dataclass(frozen=True, slots=True)
class LatencyShare:
    good: int
    total: int
    bound_s: float  # the bucket boundary used

    @property
    def share(self) -> float | None:
        return self.good / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Estimate:
    q: float
    value_s: float
    lower_s: float
    upper_s: float  # inf when the quantile falls in the open last bucket


def share_under(buckets: Mapping[float, int], threshold_s: float) -> LatencyShare:
    bound = check_threshold(threshold_s, list(buckets))
    total = buckets.get(INF, max(buckets.values(), default=0))
    return LatencyShare(good=buckets[bound], total=total, bound_s=bound)


def quantile(buckets: Mapping[float, int], q: float) -> Estimate | None:
    items = sorted(buckets.items())
    if not items or items[-1][1] == 0:
        return None
    rank = q * items[-1][1]
    lower, below = 0.0, 0
    for le, n in items:
        if n >= rank:
            if le == INF:
                return Estimate(q, lower, lower, INF)
            inside = n - below
            frac = (rank - below) / inside if inside else 1.0
            return Estimate(q, lower + (le - lower) * frac, lower, le)
        lower, below = le, n
    return None  # unreachable: the last bucket holds every request


def percentiles(buckets: Mapping[float, int]) -> dict[str, Estimate | None]:
    return {name: quantile(buckets, q) for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}
