"""Anomaly signals held as master findings: opened with the pod, its owner and the evidence,
kept with their first-fired time while active, dropped and reported resolved when they clear."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from master.alerts.events import AlertSignal
from master.anomaly.detectors import Anomaly
from master.anomaly.signals import signal
from master.anomaly_service.service import AnomalyService
from master.anomaly_service.settings import AnomalySettings
from master.datahub.hub import DataHub
from master.store import Store
from shared.domain.findings import Finding, Severity

T0 = 1_780_000_000_000
SUBJECT = {"cluster": "edge", "namespace": "shop", "kind": "Pod", "name": "api-0",
           "container": "main", "owner": "Deployment/api"}  # fmt: skip
LEAK = Anomaly("PredictedOOM", Severity.CRITICAL, "memory 400 MiB; growing", {"bytes": 4e8})


async def test_an_anomaly_is_a_master_finding_while_it_lasts_then_resolved() -> None:
    hub = DataHub(reconnecting_after_s=5, offline_after_s=30)
    state = hub.ensure("edge")
    offered: list[AlertSignal] = []
    told: list[tuple[str, Finding]] = []

    async def offer(signals: Sequence[AlertSignal]) -> None:
        offered.extend(signals)

    async def on_findings(cluster: str, findings: Sequence[Finding]) -> None:
        told.extend((cluster, f) for f in findings)

    store = cast(Store, cast(Any, None))  # _publish reads no store
    svc = AnomalyService(store, hub, AnomalySettings(), offer=offer, on_findings=on_findings)
    quiet = signal("PredictedOOM", SUBJECT, None, at_ms=T0)
    await svc._publish("edge", [quiet])
    assert told == [] and state.master_findings == {}  # never fired: nothing to resolve
    await svc._publish("edge", [signal("PredictedOOM", SUBJECT, LEAK, at_ms=T0 + 1)])
    await svc._publish("edge", [signal("PredictedOOM", SUBJECT, LEAK, at_ms=T0 + 2)])
    (held,) = state.master_findings.values()
    assert (held.subject.kind, held.subject.namespace, held.subject.name) == (
        "Pod",
        "shop",
        "api-0",
    )
    assert held.owner is not None and (held.owner.kind, held.owner.name) == ("Deployment", "api")
    assert held.severity is Severity.CRITICAL and held.category == "anomaly"
    assert (held.first_seen_ms, held.last_seen_ms) == (T0 + 1, T0 + 2)
    assert held.attrs == {"evidence_bytes": "4e+08", "statistical": "true", "container": "main"}
    await svc._publish("edge", [signal("PredictedOOM", SUBJECT, None, at_ms=T0 + 3)])
    assert state.master_findings == {}
    assert [(c, f.resolved, f.first_seen_ms) for c, f in told] == [
        ("edge", False, T0 + 1),
        ("edge", False, T0 + 1),
        ("edge", True, T0 + 1),
    ]
    assert len(offered) == 4
