"""Ingress samples held per cluster and route: one bounded ring per route that forgets its
oldest samples, replicas of one controller sharing the route's ring, and new routes past the
bound refused and named as a limit hit (never silently)."""

from __future__ import annotations

from master.datahub.hub import DataHub
from master.datahub.ingress import key_of
from master.datahub.limits import REASON
from master.datahub.settings import LimitsSettings
from shared.domain.ingress import IngressSample
from shared.domain.journal import IngressBatch, JournalRecord


def _hub(**limits: int) -> DataHub:
    return DataHub(reconnecting_after_s=15, offline_after_s=60, limits=LimitsSettings(**limits))


def _s(service: str, end_ms: int, requests: int = 1, target: str = "ing/p0") -> IngressSample:
    return IngressSample("ingress-nginx", "shop", service, "", service, end_ms - 15_000, end_ms,
                         requests=requests, target=target)  # fmt: skip


def _rec(seq: int, *samples: IngressSample) -> list[JournalRecord]:
    return [JournalRecord(seq=seq, created_ms=seq, body=IngressBatch(samples))]


def test_a_routes_ring_keeps_the_latest_samples_of_all_its_replicas() -> None:
    hub = _hub(ingress_samples_per_series=3)
    state = hub.ensure("edge")
    for i in range(1, 5):
        end = i * 15_000
        hub.apply_journal(state, _rec(i, _s("web", end, i, "ing/p0"), _s("web", end, 10, "ing/p1")))
    [ring] = state.ingress.values()
    assert [(s.window_end_ms, s.target) for s in ring] == [
        (45_000, "ing/p1"), (60_000, "ing/p0"), (60_000, "ing/p1"),
    ]  # fmt: skip


def test_new_routes_past_the_bound_are_refused_and_named() -> None:
    hub = _hub(ingress_series=2)
    state = hub.ensure("edge")
    hub.apply_journal(state, _rec(1, _s("a", 15_000), _s("b", 15_000), _s("c", 15_000)))
    assert {k[2] for k in state.ingress} == {"a", "b"}
    hit = state.limits[("ingress_series", "")]
    assert hit.refused == 1 and "MASTER_LIMITS__INGRESS_SERIES=2" in hit.message
    assert any(f.reason == REASON for f in state.findings.values())
    hub.apply_journal(state, _rec(2, _s("a", 30_000)))  # a held route still gets its samples
    assert len(state.ingress[key_of(_s("a", 0))]) == 2
