"""Cumulative readings of successive scrapes of one target → per-interval deltas. Pure.

Rules (the SLI is only as exact as these):

* The first scrape of a target is a baseline: it yields no delta, because what the counters
  hold covers an unknown past.
* A key that appears after the baseline was created since the last scrape: its whole value
  is the delta (it counted from zero).
* A counter that went down was reset (controller restart, config reload): the new value is
  the delta. One decreasing counter resets the whole key -- a restart resets them all -- so
  ``bad`` can never exceed ``total`` and no bucket is counted twice.
* A key that vanished keeps its last reading; when it comes back the same rules apply, so a
  target that was down and came back is neither negative nor doubled.
* An interval longer than 1.5 times the expected one means a scrape was missed: the delta still
  covers the whole interval (nothing is lost) and is marked ``gap`` so the master knows its
  minute resolution is coarser there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from agent.ingress_metrics.readings import Reading, SeriesKey

GAP_FACTOR = 1.5


@dataclass(frozen=True, slots=True)
class Delta:
    key: SeriesKey
    start_ms: int
    end_ms: int
    total: int
    bad: int
    buckets: Mapping[float, int]  # cumulative per upper bound (seconds), like the exposition
    reset: bool = False
    gap: bool = False
    target: str = ""  # the scrape target whose counters these are


@dataclass(frozen=True, slots=True)
class Baseline:
    """What the next step needs: when the target was last read and every key's last reading."""

    at_ms: int
    readings: Mapping[SeriesKey, Reading]


def step(
    prev: Baseline | None,
    readings: Mapping[SeriesKey, Reading],
    *,
    at_ms: int,
    expected_interval_ms: int,
    target: str = "",
) -> tuple[Baseline, list[Delta]]:
    """One successful scrape of ``target``: the new baseline and the deltas since ``prev``."""
    if prev is None:
        return Baseline(at_ms=at_ms, readings=dict(readings)), []
    gap = at_ms - prev.at_ms > GAP_FACTOR * expected_interval_ms
    deltas = [
        replace(
            _delta(key, prev.readings.get(key), cur, start_ms=prev.at_ms, end_ms=at_ms, gap=gap),
            target=target,
        )
        for key, cur in sorted(readings.items())
    ]
    kept = dict(prev.readings)  # vanished keys keep their last reading
    kept.update(readings)
    return Baseline(at_ms=at_ms, readings=kept), deltas


def _delta(
    key: SeriesKey, old: Reading | None, cur: Reading, *, start_ms: int, end_ms: int, gap: bool
) -> Delta:
    reset = old is not None and _went_down(old, cur)
    if old is None or reset:
        return Delta(key, start_ms, end_ms, cur.total, min(cur.bad, cur.total),
                     dict(cur.buckets), reset=reset, gap=gap)  # fmt: skip
    total = cur.total - old.total
    buckets = {le: n - old.buckets.get(le, 0) for le, n in cur.buckets.items()}
    return Delta(key, start_ms, end_ms, total, min(cur.bad - old.bad, total), buckets, gap=gap)


def _went_down(old: Reading, cur: Reading) -> bool:
    if cur.total < old.total or cur.bad < old.bad:
        return True
    return any(n < old.buckets.get(le, 0) for le, n in cur.buckets.items())
