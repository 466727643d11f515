"""OpenSLO v1 import and export: a round trip keeps the definition; an invalid document is
refused naming the field's path."""

from __future__ import annotations

import pytest

from master.slo.definitions import Calendar, Rolling, SliType, Slo
from master.slo.errors import DefinitionError
from master.slo.openslo import export, parse

DOC = """
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
  labels: {team: payments}
spec:
  service: checkout
  indicator:
    metadata: {name: checkout-sli}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource: {type: lookout, spec: {cluster: prod-eu, service: checkout, route: cart}}
        total:
          metricSource: {type: lookout, spec: {cluster: prod-eu, service: checkout, route: cart}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"""


def test_imports_a_ratio_metric_as_availability() -> None:
    slo = parse(DOC)
    assert (slo.name, slo.cluster, slo.service, slo.route) == (
        "checkout-availability",
        "prod-eu",
        "checkout",
        "cart",
    )
    assert (slo.sli, slo.objective, slo.window, dict(slo.owner)) == (
        SliType.AVAILABILITY,
        0.999,
        Rolling(28),
        {"team": "payments"},
    )


@pytest.mark.parametrize(
    "slo",
    [
        Slo("a", "c", "s", 0.999, route="r", window=Rolling(7), owner={"team": "x"}),
        Slo(
            "l",
            "c",
            "s",
            0.95,
            sli=SliType.LATENCY,
            threshold_s=0.25,
            window=Calendar("quarter", "Asia/Tokyo"),
        ),
        Slo("m", "c", "s", 0.99, window=Calendar("month", "Europe/Berlin")),
    ],
)
def test_export_then_import_round_trips(slo: Slo) -> None:
    assert parse(export(slo)) == slo


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (("kind: SLO", "kind: SLI"), "kind"),
        (("    - target: 0.999", "    - target: 99.9"), "objective"),
        (("    - target: 0.999", "    - displayName: x"), "spec.objectives[0].target"),
        (("duration: 28d", "duration: 2w"), "spec.timeWindow[0].duration"),
        (("  service: checkout\n", ""), "spec.service"),
        (("ratioMetric", "rawMetric"), "spec.indicator.spec"),
        (
            ("type: lookout", "type: prometheus"),
            "spec.indicator.spec.ratioMetric.good.metricSource.type",
        ),
    ],
)
def test_invalid_document_names_the_field(edit: tuple[str, str], field: str) -> None:
    with pytest.raises(DefinitionError) as e:
        parse(DOC.replace(*edit))
    assert e.value.field == field
