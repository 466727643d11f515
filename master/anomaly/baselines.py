"""What is usual for a series right now, and how far "now" is from it.

Seasonal (the hour-of-week bucket of ``now``) when the history allows it, else rolling (the
median and robust scale of the last ``rolling_s`` of history). "Now" is the median of the
recent window, not the last point, so one sample cannot fire a detector."""

from __future__ import annotations

from dataclasses import dataclass

from master.anomaly.robust import median, robust_z, scale
from master.anomaly.seasonal import bucket_name, hour_of_week, profile
from master.anomaly.series import Series, before, since, span_s, values

ROLLING_S = 24 * 3600
MIN_ROLLING_S = 3600  # less history than this is no baseline at all


@dataclass(frozen=True, slots=True)
class Baseline:
    centre: float
    sigma: float
    described: str  # "its usual level for Tuesday 14:00" / "its level over the last 24 h"


@dataclass(frozen=True, slots=True)
class Deviation:
    now: float
    baseline: Baseline
    z: float  # robust z-score of ``now`` against the baseline
    ratio: float  # now / baseline centre (inf when the centre is 0 and now is above it)


def baseline(
    history: Series,
    now_s: float,
    *,
    sigma_floor: float,
    utc_offset_s: int = 0,
    rolling_s: float = ROLLING_S,
) -> Baseline | None:
    """The usual level at ``now_s`` from ``history`` (points before the recent window)."""
    seasonal = profile(history, utc_offset_s=utc_offset_s, sigma_floor=sigma_floor)
    if seasonal is not None:
        bucket = hour_of_week(now_s, utc_offset_s)
        found = seasonal.get(bucket)
        if found is not None:
            return Baseline(found.centre, found.sigma, f"its usual level for {bucket_name(bucket)}")
    window = since(history, now_s - rolling_s)
    if len(window) < 3 or span_s(window) < MIN_ROLLING_S:
        return None  # twenty minutes of a leak is not "usual"
    recent = values(window)
    hours = round(min(rolling_s, now_s - window[0].t_s) / 3600)
    return Baseline(
        median(recent),
        scale(recent, floor=sigma_floor),
        f"its level over the last {hours} h",
    )


def deviation(
    series: Series,
    now_s: float,
    *,
    recent_s: float,
    sigma_floor: float,
    utc_offset_s: int = 0,
    exclude_s: float = 0.0,
) -> Deviation | None:
    """How the median of the last ``recent_s`` compares with the baseline from before it.

    ``exclude_s``: history this recent is left out of the baseline too, so the episode being
    judged (an hour of a leak) does not become part of its own "usual"."""
    recent = values(since(series, now_s - recent_s))
    if len(recent) < 3:
        return None
    base = baseline(
        before(series, now_s - max(recent_s, exclude_s)),
        now_s,
        sigma_floor=sigma_floor,
        utc_offset_s=utc_offset_s,
    )
    if base is None:
        return None
    now = median(recent)
    ratio = now / base.centre if base.centre > 0 else (float("inf") if now > 0 else 1.0)
    return Deviation(now, base, robust_z(now, base.centre, base.sigma), ratio)
