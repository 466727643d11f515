"""Multi-window multi-burn-rate alerting under virtual time: the clock is the ``now`` handed
to ``evaluate`` minute by minute, so hours of traffic run in milliseconds."""

from __future__ import annotations

from master.slo.burn import evaluate
from master.slo.counts import MINUTE_MS, Count, Series
from master.slo.definitions import BurnRule, Guard, Slo

SLO = Slo("checkout", "prod-eu", "checkout", 0.999)
PAGE_1H = "prod-eu/checkout/page/1h/5m"


def _run(bad_per_minute: list[int], *, per_minute: int = 1000, slo: Slo = SLO) -> list[set[str]]:
    """Active signal keys after each minute."""
    counts: list[Count] = []
    out = []
    for m, bad in enumerate(bad_per_minute):
        counts.append(Count(m * MINUTE_MS, per_minute - bad, per_minute))
        signals = evaluate(slo, Series(counts), now_ms=(m + 1) * MINUTE_MS)
        out.append({s.key for s in signals if s.active})
    return out


def test_two_percent_errors_page_then_resolve_after_recovery() -> None:
    clean, incident, recovered = 120, 60, 30
    active = _run([0] * clean + [20] * incident + [0] * recovered)
    assert all(not a for a in active[:clean])
    fired = next(i for i, a in enumerate(active) if PAGE_1H in a) - clean + 1
    # burn 20 (2 % / 0.1 %) fills the 1 h window to 14.4 after 14.4 / 20 * 60 = 43.2 minutes
    assert fired == 44
    resolved = next(i for i, a in enumerate(active[clean + incident :]) if PAGE_1H not in a) + 1
    # the 5 m window drops below 14.4 (1.44 % errors) once only 3 of its 5 minutes are bad
    assert resolved == 2
    assert all(PAGE_1H not in a for a in active[clean + incident + 1 :])


def test_signals_carry_the_alert_labels() -> None:
    counts = Series([Count(m * MINUTE_MS, 980, 1000) for m in range(60)])
    [page] = [s for s in evaluate(SLO, counts, now_ms=60 * MINUTE_MS) if s.key == PAGE_1H]
    assert page.active and page.source == "slo"
    keys = ("slo", "service", "cluster", "window", "severity", "urgency")
    assert {k: page.labels[k] for k in keys} == {
        "slo": "checkout",
        "service": "checkout",
        "cluster": "prod-eu",
        "window": "1h/5m",
        "severity": "critical",
        "urgency": "page",
    }
    assert page.annotations["long_burn"] == "20.00"


def test_three_requests_one_error_does_not_page() -> None:
    active = _run([1], per_minute=3)
    assert active == [set()]


def test_rules_and_guard_are_configurable() -> None:
    slo = Slo("tiny", "c", "tiny", 0.99, rules=(BurnRule("page", 600, 60, 2.0),), guard=Guard(1, 1))
    active = _run([1], per_minute=3, slo=slo)
    assert active == [{"c/tiny/page/10m/1m"}]
