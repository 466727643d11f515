"""One pure function per anomaly people ask for; ``DETECTORS`` lists them.

Each takes its series (and limits, peers, ``now``) and returns an ``Anomaly`` or None. Each
fires only on a statistical *and* a practical condition (see the package docstring), and says
why in one sentence an on-call engineer can act on. Thresholds are ``Params`` data, so a
config can override them per detector."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from master.anomaly import explain
from master.anomaly.baselines import Deviation, deviation
from master.anomaly.robust import median, rise, robust_z, scale, trend
from master.anomaly.series import Series, since, span_s, values
from shared.domain.findings import Severity

MiB = 2**20
GiB = 2**30
# A leak must have grown by this share of its limit over the window to be reported.
MIN_GROWTH_OF_LIMIT = 0.05


@dataclass(frozen=True, slots=True)
class Anomaly:
    kind: str  # the DETECTORS key, used as the finding reason
    severity: Severity
    summary: str  # plain words: what, how far from usual, what happens next
    evidence: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Params:
    window_s: float = 3600.0  # how much recent history a trend reads
    recent_s: float = 600.0  # what counts as "now" for a level
    min_z: float = 6.0  # robust z-score a level must reach
    min_ratio: float = 1.5  # ... and how many times its baseline
    min_tau: float = 0.6  # trend consistency (Kendall's tau) a growth must reach
    horizon_s: float = 7200.0  # predicted limits further away than this are not news
    critical_within_s: float = 1800.0  # ... and closer than this are critical
    sigma_floor: float = 0.0  # smallest noise scale, in the series' unit
    pinned_fraction: float = 0.9  # CPU at or above this share of its limit is pinned
    pinned_share: float = 0.8  # ... for this share of the window


MEMORY = Params(sigma_floor=4 * MiB)
CPU = Params(window_s=900.0, sigma_floor=0.01)
DISK = Params(window_s=6 * 3600.0, horizon_s=24 * 3600.0, critical_within_s=4 * 3600.0,
              sigma_floor=64 * MiB)  # fmt: skip
RESTARTS = Params(min_z=6.0, min_ratio=3.0, sigma_floor=1.0)
PEERS = Params(min_z=4.0, min_ratio=2.0, sigma_floor=0.02)


def memory_leak(
    usage: Series, *, limit: float | None, now_s: float, p: Params = MEMORY
) -> Anomaly | None:
    """Memory growing steadily (a robust trend, not a step) towards its limit: predicted OOM.

    Without a limit there is nothing to predict against; the level detector covers it."""
    window = since(usage, now_s - p.window_s)
    if limit is None or limit <= 0 or span_s(window) < p.window_s / 2:
        return None
    if rise(window) < MIN_GROWTH_OF_LIMIT * limit / 2:
        return None  # the screen: half of what could fire, so no real leak is lost
    fit = trend(window)
    if fit is None or fit.slope_per_s <= 0 or fit.tau < p.min_tau:
        return None
    grown = fit.slope_per_s * span_s(window)
    if grown < max(p.min_z * max(fit.residual_sigma, p.sigma_floor), MIN_GROWTH_OF_LIMIT * limit):
        return None  # growth within the noise, or too small to matter
    level = fit.at(now_s)
    to_limit = (limit - level) / fit.slope_per_s
    if to_limit > p.horizon_s:
        return None
    minutes = span_s(window) / 60
    usual = _usual(usage, level=level, now_s=now_s, p=p)
    summary = (
        f"memory {explain.size(level)}{usual}; growing {explain.rate_per_min(fit.slope_per_s)} "
        f"for {minutes:.0f} min; at this rate it reaches its {explain.size(limit)} limit "
        f"in {explain.about(max(to_limit, 0.0))}"
    )
    return Anomaly(
        "PredictedOOM",
        Severity.CRITICAL if to_limit <= p.critical_within_s else Severity.WARNING,
        summary,
        {"bytes": level, "limit_bytes": limit, "slope_bytes_per_s": fit.slope_per_s,
         "seconds_to_limit": max(to_limit, 0.0), "tau": fit.tau},
    )  # fmt: skip


def level(
    series: Series, *, what: str, unit: str, now_s: float, p: Params, utc_offset_s: int = 0
) -> Anomaly | None:
    """A level far above its usual one (seasonal once a week of data exists)."""
    d = deviation(
        series,
        now_s,
        recent_s=p.recent_s,
        sigma_floor=p.sigma_floor,
        utc_offset_s=utc_offset_s,
        exclude_s=p.window_s,
    )
    if d is None or d.z < p.min_z or d.ratio < p.min_ratio:
        return None
    return Anomaly(
        "UnusualLevel",
        Severity.WARNING,
        f"{what} {_amount(d.now, unit)}, {explain.times(d.ratio)} {d.baseline.described}",
        {"value": d.now, "baseline": d.baseline.centre, "z": d.z, "ratio": d.ratio},
    )


def cpu_throttling(
    usage: Series, *, limit: float | None, now_s: float, p: Params = CPU
) -> Anomaly | None:
    """CPU pinned at its limit for most of the window: the kernel is throttling it.

    metrics-server gives usage, not CFS throttled periods, so "pinned at the limit" is the
    observable proxy; a request-only container (no limit) cannot be throttled."""
    window = since(usage, now_s - p.window_s)
    if limit is None or limit <= 0 or len(window) < 3 or span_s(window) < p.window_s / 2:
        return None
    pinned = [x for x in values(window) if x >= p.pinned_fraction * limit]
    share = len(pinned) / len(window)
    if share < p.pinned_share:
        return None
    minutes = span_s(window) / 60
    return Anomaly(
        "CPUThrottled",
        Severity.WARNING,
        f"CPU pinned at its {explain.cores(limit)} limit for {explain.percent(share)} of the "
        f"last {minutes:.0f} min (usage ≥ {explain.percent(p.pinned_fraction)} of the limit): "
        "it is being throttled; raise the limit or find what keeps it busy",
        {"limit_cores": limit, "pinned_share": share, "median_cores": median(values(window))},
    )


def restart_rate(hourly: Series, *, now_s: float, p: Params = RESTARTS) -> Anomaly | None:
    """Restarts in the last hour far above the workload's usual hourly count.

    ``hourly``: one point per hour, the workload's restarts in that hour, the newest last."""
    if len(hourly) < 4:
        return None
    now, history = hourly[-1].value, values(hourly[:-1])
    centre = median(history)
    sigma = scale(history, floor=p.sigma_floor)
    z = robust_z(now, centre, sigma)
    ratio = now / centre if centre > 0 else float("inf") if now > 0 else 1.0
    if now < 3 or z < p.min_z or ratio < p.min_ratio:
        return None
    days = span_s(hourly) / 86400
    return Anomaly(
        "RestartRateUnusual",
        Severity.WARNING,
        f"{explain.plural(round(now), 'restart')} in the last hour; usually "
        f"{centre:.0f} per hour (median of {days:.0f} d)",
        {"restarts": now, "baseline_per_hour": centre, "z": z},
    )


def noisy_neighbour(
    node: str, peers: Mapping[str, float], *, pool: str, p: Params = PEERS
) -> Anomaly | None:
    """One node's utilisation (0..1 of its capacity) far above the others in its pool."""
    if node not in peers or len(peers) < 4:
        return None  # with fewer than three others there is no "usual" to stand out from
    mine = peers[node]
    others = [v for n, v in peers.items() if n != node]
    centre = median(others)
    z = robust_z(mine, centre, scale(others, floor=p.sigma_floor))
    ratio = mine / centre if centre > 0 else float("inf")
    if mine < 0.5 or z < p.min_z or ratio < p.min_ratio:
        return None
    return Anomaly(
        "NoisyNeighbour",
        Severity.WARNING,
        f"node {node} at {explain.percent(mine)} CPU, {explain.times(ratio)} the median of "
        f"its {len(others)} peers in pool {pool!r} ({explain.percent(centre)})",
        {"utilisation": mine, "peer_median": centre, "z": z},
    )


def disk_full_soon(
    used: Series, *, capacity: float, now_s: float, p: Params = DISK
) -> Anomaly | None:
    """A filesystem whose robust growth trend fills it within the horizon."""
    window = since(used, now_s - p.window_s)
    if capacity <= 0 or span_s(window) < p.window_s / 2 or rise(window) <= 0:
        return None
    fit = trend(window)
    if fit is None or fit.slope_per_s <= 0 or fit.tau < p.min_tau:
        return None
    if fit.slope_per_s * span_s(window) < p.min_z * max(fit.residual_sigma, p.sigma_floor):
        return None
    now = fit.at(now_s)
    to_full = (capacity - now) / fit.slope_per_s
    if to_full > p.horizon_s:
        return None
    return Anomaly(
        "DiskFullSoon",
        Severity.CRITICAL if to_full <= p.critical_within_s else Severity.WARNING,
        f"disk {explain.percent(min(now / capacity, 1.0))} full "
        f"({explain.size(now)} of {explain.size(capacity)}), growing "
        f"{explain.rate_per_hour(fit.slope_per_s)}; full in {explain.about(max(to_full, 0.0))}",
        {"bytes": now, "capacity_bytes": capacity, "seconds_to_full": max(to_full, 0.0)},
    )


def _usual(usage: Series, *, level: float, now_s: float, p: Params) -> str:
    """``, 3.4x its usual level for Tuesday 14:00`` when a baseline exists and ``level`` (the
    figure the sentence already quotes) is clearly above it."""
    d: Deviation | None = deviation(
        usage, now_s, recent_s=p.recent_s, sigma_floor=p.sigma_floor, exclude_s=p.window_s
    )
    if d is None or d.baseline.centre <= 0 or level / d.baseline.centre < 1.2:
        return ""
    return f", {explain.times(level / d.baseline.centre)} {d.baseline.described}"


def _amount(x: float, unit: str) -> str:
    if unit == "bytes":
        return explain.size(x)
    if unit == "cores":
        return explain.cores(x)
    return f"{x:.3g} {unit}".rstrip()


# kind -> the detector that produces it; a new detector is one function and one row.
DETECTORS = {
    "PredictedOOM": memory_leak,
    "UnusualLevel": level,
    "CPUThrottled": cpu_throttling,
    "RestartRateUnusual": restart_rate,
    "NoisyNeighbour": noisy_neighbour,
    "DiskFullSoon": disk_full_soon,
}
