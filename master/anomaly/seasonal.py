"""The hour-of-week profile: what a series usually does at this hour of this weekday.

Built only once the history spans ``MIN_SEASONAL_DAYS`` (a week, so every hour-of-week bucket
has been seen at least once) and the bucket holds enough points; otherwise callers fall back
to a rolling baseline. Times are bucketed in a fixed UTC offset (the configured time zone's
offset, so "Tuesday 14:00" means the operator's Tuesday afternoon).

``ewma`` is the smoothed level used to read "now" without being fooled by one sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from master.anomaly.robust import median, scale
from master.anomaly.series import Series, span_s

HOURS_PER_WEEK = 168
MIN_SEASONAL_DAYS = 7
MIN_BUCKET_POINTS = 6  # e.g. two weeks of an hour at 5-minute roll-ups is 24
# 1970-01-01 was a Thursday: shift so bucket 0 is Monday 00:00.
_EPOCH_WEEKDAY = 3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def hour_of_week(t_s: float, utc_offset_s: int = 0) -> int:
    """0 = Monday 00:00-00:59 ... 167 = Sunday 23:00-23:59, in the given offset."""
    hours = int((t_s + utc_offset_s) // 3600)
    day = (hours // 24 + _EPOCH_WEEKDAY) % 7
    return day * 24 + hours % 24


def bucket_name(bucket: int) -> str:
    """``hour_of_week`` as words: ``Tuesday 14:00``."""
    return f"{WEEKDAYS[bucket // 24]} {bucket % 24:02d}:00"


@dataclass(frozen=True, slots=True)
class Bucket:
    centre: float  # median of the bucket's points
    sigma: float  # robust scale of the bucket's points
    points: int


def profile(
    history: Series, *, utc_offset_s: int = 0, sigma_floor: float
) -> dict[int, Bucket] | None:
    """Per hour-of-week bucket, the median and robust scale of ``history``; None when the
    history is shorter than a week (a partial profile would call every new hour unusual)."""
    if span_s(history) < MIN_SEASONAL_DAYS * 86400:
        return None
    grouped: dict[int, list[float]] = {}
    for p in history:
        grouped.setdefault(hour_of_week(p.t_s, utc_offset_s), []).append(p.value)
    return {
        b: Bucket(median(vs), scale(vs, floor=sigma_floor), len(vs))
        for b, vs in grouped.items()
        if len(vs) >= MIN_BUCKET_POINTS
    }


def ewma(xs: Sequence[float], alpha: float) -> float:
    """Exponentially weighted mean of ``xs`` (oldest first); ``alpha`` weighs the newest."""
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if not xs:
        raise ValueError("ewma of an empty series")
    level = xs[0]
    for x in xs[1:]:
        level = alpha * x + (1 - alpha) * level
    return level
