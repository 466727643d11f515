"""A burn-rate alert in a notification names its SLO, the rule that fired and how fast the
budget burns -- not ``SloBurnRate · SloBurnRate`` six times, as the demo's mail first read."""

from __future__ import annotations

from master.notify.message import AlertItem
from master.notify.summaries import subject_line, subject_of
from master.slo.burn import evaluate
from master.slo.counts import MINUTE_MS, Count, Series
from master.slo.definitions import Slo


def test_a_burn_alert_names_its_slo_rule_and_burn() -> None:
    slo = Slo(name="payments", cluster="c", namespace="shop", service="payments", objective=0.999)
    series = Series(Count(m * MINUTE_MS, 970, 1_000) for m in range(60))  # 3 % bad: 30x
    [page] = [s for s in evaluate(slo, series, now_ms=60 * MINUTE_MS) if s.key.endswith("1h/5m")]
    assert page.active
    alert = AlertItem(
        fingerprint="f",
        status="firing",
        labels=dict(page.labels),
        annotations=dict(page.annotations),
        starts_at_ms=0,
        ends_at_ms=None,
        generator_url="",
    )
    line = subject_line(subject_of(alert))
    assert line == (
        "SLO payments · page 1h/5m — payments: error budget burning 30.0x over 1h (30.0x over 5m;"
        " fires at 14.4x); 1,800 of 60,000 requests bad in 1h, objective 99.9 %"
    )
