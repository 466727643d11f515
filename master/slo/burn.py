"""Burn rates and multi-window multi-burn-rate alerting (SRE workbook, "Alerting on SLOs").

burn rate = error rate / (1 - objective), both as fractions: 1.0 spends the budget exactly
over the window, 14.4 spends 2 % of a 30-day budget in an hour. A rule is active when the
long *and* the short window both burn at its factor or faster and the long window carries
enough traffic (the low-traffic guard); it resolves as soon as the short window recovers.
Signals are ``BurnSignal``s, one key per SLO and rule, field for field the alert core's
``BurnSignal`` (the SLO service hands them over as such): this package sits below the store,
which counts with it, so it cannot import the alert core above."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from master.slo.counts import Series, Totals
from master.slo.definitions import BurnRule, Slo


@dataclass(frozen=True, slots=True)
class BurnSignal:
    source: str
    key: str
    labels: Mapping[str, str]
    active: bool
    at_ms: int
    annotations: Mapping[str, str] = field(default_factory=dict)


BURN_WINDOWS_S: dict[str, int] = {
    "5m": 300,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "6h": 21600,
    "1d": 86400,
    "3d": 259200,
}


URGENCY_SEVERITY = {"page": "critical", "ticket": "warning"}


def burn_rate(t: Totals, objective: float) -> float:
    if not t.total:
        return 0.0
    return (t.bad / t.total) / (1.0 - objective)


# Totals of the window of this many seconds that ends now: from a ``Series`` in memory, or
# from the store's per-minute and per-hour sums (the SLO service), so the rules below do not
# care where the counts live.
WindowSums = Callable[[int], Totals]


def series_sums(series: Series, now_ms: int) -> WindowSums:
    return lambda seconds: series.sum(now_ms - seconds * 1000, now_ms)


def burn_rates(series: Series, objective: float, now_ms: int) -> dict[str, float]:
    """Burn over each standard window ending at ``now`` (counts starting before now)."""
    return burn_rates_of(series_sums(series, now_ms), objective)


def burn_rates_of(sums: WindowSums, objective: float) -> dict[str, float]:
    return {name: burn_rate(sums(s), objective) for name, s in BURN_WINDOWS_S.items()}


def window_name(seconds: int) -> str:
    """``3600`` -> ``1h``: the largest unit that divides the window evenly."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def evaluate(slo: Slo, series: Series, now_ms: int) -> list[BurnSignal]:
    """One signal per rule, active or not; the alert core turns edges into firing/resolved."""
    return evaluate_sums(slo, series_sums(series, now_ms), now_ms)


def evaluate_sums(slo: Slo, sums: WindowSums, now_ms: int) -> list[BurnSignal]:
    return [_signal(slo, rule, sums, now_ms) for rule in slo.rules]


def rule_windows_s(slo: Slo) -> set[int]:
    """Every window length the SLO's rules read, for a caller that sums them up front."""
    return {s for r in slo.rules for s in (r.long_s, r.short_s)}


def _signal(slo: Slo, rule: BurnRule, sums: WindowSums, now_ms: int) -> BurnSignal:
    long_t = sums(rule.long_s)
    short_t = sums(rule.short_s)
    long_burn = burn_rate(long_t, slo.objective)
    short_burn = burn_rate(short_t, slo.objective)
    enough = long_t.total >= slo.guard.min_requests and long_t.bad >= slo.guard.min_bad
    active = enough and long_burn >= rule.factor and short_burn >= rule.factor
    long_name = window_name(rule.long_s)
    window = f"{long_name}/{window_name(rule.short_s)}"
    return BurnSignal(
        source="slo",
        key=f"{slo.cluster}/{slo.name}/{rule.severity}/{window}",
        labels={
            "alertname": "SloBurnRate",
            "slo": slo.name,
            "service": slo.service,
            "cluster": slo.cluster,
            "window": window,
            # The alert path's severities, so routes and the dashboard treat a burning budget
            # like any other alert; the SRE workbook's page/ticket stays as ``urgency``.
            "severity": URGENCY_SEVERITY.get(rule.severity, "warning"),
            "urgency": rule.severity,
            **({"namespace": slo.namespace} if slo.namespace else {}),
        },
        active=active,
        at_ms=now_ms,
        annotations={
            # What the on-call reader needs in one line: which budget, how fast, on what.
            "summary": (
                f"{slo.service}: error budget burning {long_burn:.1f}x over {long_name}"
                f" ({short_burn:.1f}x over {window_name(rule.short_s)}; fires at {rule.factor:g}x);"
                f" {long_t.bad:,} of {long_t.total:,} requests bad in {long_name},"
                f" objective {slo.objective * 100:g} %"
            ),
            "long_burn": f"{long_burn:.2f}",
            "short_burn": f"{short_burn:.2f}",
            "factor": f"{rule.factor:g}",
            "long_requests": str(long_t.total),
            "long_bad": str(long_t.bad),
        },
    )
