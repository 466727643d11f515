"""The SLO definitions file: what a user writes becomes ``Slo`` values; every mistake is
named by file, line and field, and nothing of a bad file is taken."""

from __future__ import annotations

import pytest

from master.slo.definitions import WORKBOOK_RULES, BurnRule, Calendar, Rolling, SliType
from master.slo_service.config import SloConfigError, parse

GOOD = """\
timezone: Europe/Berlin
slos:
  - name: checkout-availability
    cluster: prod
    namespace: shop
    service: checkout
    objective: 99.9
    owner: {team: payments}
  - name: checkout-latency
    cluster: prod
    service: checkout
    route: checkout-route
    sli: latency
    threshold: 250ms
    objective: 99
    window: month
    budget_policy: true
    alerting:
      min_requests: 10
      min_bad: 1
      rules:
        - {severity: page, long: 1h, short: 5m, factor: 14.4}
"""


def test_a_good_file_becomes_slos() -> None:
    config = parse(GOOD, source="slos.yaml")
    avail, lat = config.slos
    assert config.timezone == "Europe/Berlin"
    assert (avail.name, avail.cluster, avail.namespace, avail.service) == (
        "checkout-availability",
        "prod",
        "shop",
        "checkout",
    )
    assert avail.objective == pytest.approx(0.999)
    assert avail.window == Rolling(30)
    assert avail.rules == WORKBOOK_RULES
    assert avail.owner == {"team": "payments"}
    assert lat.sli is SliType.LATENCY
    assert lat.threshold_s == pytest.approx(0.25)
    assert lat.window == Calendar("month", "Europe/Berlin")
    assert lat.rules == (BurnRule("page", 3600, 300, 14.4),)
    assert (lat.guard.min_requests, lat.guard.min_bad) == (10, 1)
    assert config.policy == frozenset({"checkout-latency"})
    assert config.by_name("checkout-latency") is lat


def test_an_empty_file_defines_nothing() -> None:
    assert parse("", source="slos.yaml").slos == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "slos:\n  - name: a\n    cluster: c\n    service: s\n    objective: 0.999\n",
            r"slos\.yaml:5: slos\[0\]\.objective: 0\.999 is not a percentage .*write 99\.9",
        ),
        (
            "slos:\n  - name: a\n    cluster: c\n    service: s\n    objective: 99\n"
            "    sli: latency\n",
            r"slos\.yaml:2: slos\[0\]\.threshold: a latency SLO needs a threshold",
        ),
        (
            "slos:\n  - name: a\n    cluster: c\n    service: s\n    objective: 99\n"
            "    window: 14d\n",
            r"slos\.yaml:6: slos\[0\]\.window: '14d': expected 7d, 28d, 30d, month or quarter",
        ),
        (
            "slos:\n  - name: Bad Name\n    cluster: c\n    service: s\n    objective: 99\n",
            r"slos\.yaml:2: slos\[0\]\.name: 'Bad Name'",
        ),
        (
            "slos:\n  - name: a\n    cluster: c\n    objective: 99\n",
            r"slos\.yaml:2: slos\[0\]\.service: required field missing",
        ),
        (
            "timezone: Mars/Olympus\nslos: []\n",
            r"slos\.yaml:1: timezone: 'Mars/Olympus' is not an IANA time zone",
        ),
        (
            "slos:\n  - {name: a, cluster: c, service: s, objective: 99}\n"
            "  - {name: a, cluster: c, service: t, objective: 99}\n",
            r"slos\.yaml:3: slos\[1\]\.name: defined twice",
        ),
        (
            "slos:\n  - {name: a, cluster: c, service: s, objective: 99, colour: red}\n",
            r"slos\.yaml:2: slos\[0\]\.colour: unknown key 'colour'",
        ),
        ("slos: [\n", r"slos\.yaml:\d+: \(top\): not valid YAML"),
    ],
)
def test_mistakes_are_named_by_line_and_field(text: str, expected: str) -> None:
    with pytest.raises(SloConfigError, match=expected):
        parse(text, source="slos.yaml")
