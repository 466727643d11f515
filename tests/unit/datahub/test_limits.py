"""The DataHub's bounds per cluster: growth refused past them, updates kept, a hit and the
master's own finding while one is reached, cleared once the state is whole again."""

from __future__ import annotations

from master.datahub.cluster import ClusterState, resource_size
from master.datahub.hub import DataHub
from master.datahub.limits import MASTER_FINGERPRINT, REASON, held
from master.datahub.settings import LimitsSettings
from master.processor.reconcile import close_missing
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord, NodeMetricsBatch
from shared.domain.metrics import NodeMetricsSample
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta, Synced


def _hub(**limits: int) -> DataHub:
    return DataHub(reconnecting_after_s=15, offline_after_s=60, limits=LimitsSettings(**limits))


def _pod(i: int, rv: str = "1", body: bytes = b"{}") -> Resource:
    return Resource(ObjectRef("Pod", "ns", f"p{i}", f"u{i}"), rv, body_json=body)


def _delta(*pods: Resource, snapshot_id: int = 0) -> ResourceDelta:
    return ResourceDelta("Pod", upserts=pods, snapshot_id=snapshot_id)


def _finding(i: int, *, resolved: bool = False, fp: str = "") -> Finding:
    subject = ObjectRef("Pod", "ns", f"p{i}")
    return Finding(
        fp or f"{i:032x}", "R", Severity.WARNING, "pod", subject, "m", 1, 1, resolved=resolved
    )


def _findings(*fs: Finding, complete: bool = False, seq: int = 1) -> list[JournalRecord]:
    return [JournalRecord(seq=seq, created_ms=1, body=FindingBatch(fs, complete=complete))]


def _master_findings(state: ClusterState) -> set[str]:
    return {f.attrs["limit"] for f in state.findings.values() if f.reason == REASON}


def test_new_objects_past_the_kind_bound_are_refused_and_known_ones_still_update() -> None:
    state = _hub(objects_per_kind=3).ensure("c")
    state.apply_delta(_delta(*(_pod(i) for i in range(5))))
    assert sorted(state.resources["Pod"]) == [("ns", "p0"), ("ns", "p1"), ("ns", "p2")]
    hit = state.limits[("objects_per_kind", "Pod")]
    assert (hit.refused, hit.bound) == (2, 3)
    assert "MASTER_LIMITS__OBJECTS_PER_KIND=3" in hit.message
    [mine] = [f for f in state.findings.values() if f.reason == REASON]
    assert mine.fingerprint.startswith(MASTER_FINGERPRINT) and mine.subject.name == "c"

    state.apply_delta(_delta(_pod(0, rv="2"), _pod(9)))
    assert state.get("Pod", "ns", "p0").resource_version == "2"  # type: ignore[union-attr]
    assert state.get("Pod", "ns", "p9") is None
    state.apply_delta(ResourceDelta("Pod", deletes=(ObjectRef("Pod", "ns", "p1"),)))
    state.apply_delta(_delta(_pod(9)))  # room again: growth resumes
    assert state.get("Pod", "ns", "p9") is not None
    assert state.limits[("objects_per_kind", "Pod")].refused == 3


def test_the_bytes_bound_refuses_growth_and_keeps_the_older_version() -> None:
    small, big = b'{"a":1}', b'{"a":"' + b"x" * 100 + b'"}'
    budget = resource_size(_pod(0, body=small)) * 2 + 10
    state = _hub(resource_bytes=budget).ensure("c")
    state.apply_delta(_delta(_pod(0, body=small), _pod(1, body=small), _pod(2, body=small)))
    assert len(state.resources["Pod"]) == 2 and state.resource_bytes <= budget
    state.apply_delta(_delta(_pod(0, rv="2", body=big)))
    assert state.get("Pod", "ns", "p0").body_json == small  # type: ignore[union-attr]
    assert state.limits[("resource_bytes", "")].refused == 2
    state.apply_delta(_delta(_pod(0, rv="3", body=b"{}")))  # shrinking is always fine
    assert state.get("Pod", "ns", "p0").resource_version == "3"  # type: ignore[union-attr]
    assert state.resource_bytes == sum(resource_size(r) for r in state.resources["Pod"].values())


def test_a_staged_snapshot_is_bounded_and_one_that_fits_clears_the_hits() -> None:
    state = _hub(objects_per_kind=2).ensure("c")
    state.apply_delta(_delta(_pod(0), _pod(1), _pod(2)))
    assert _master_findings(state) == {"objects_per_kind"}
    state.apply_delta(_delta(_pod(0), _pod(1), _pod(2), _pod(3), snapshot_id=7))
    assert state.apply_synced(Synced(7, ("Pod",), 4))
    assert len(state.resources["Pod"]) == 2
    assert ("objects_per_kind", "Pod") in state.limits  # the snapshot did not fit either

    state.apply_delta(_delta(_pod(5), snapshot_id=8))
    assert state.apply_synced(Synced(8, ("Pod",), 1))
    assert state.limits == {} and _master_findings(state) == set()
    assert state.resource_bytes == resource_size(_pod(5))


def test_active_findings_past_the_bound_are_not_held_but_updates_and_resolutions_are() -> None:
    hub = _hub(active_findings=3)
    state = hub.ensure("c")
    hub.apply_journal(state, _findings(*(_finding(i) for i in range(5))))
    agent = {fp for fp in state.findings if not fp.startswith(MASTER_FINGERPRINT)}
    assert len(agent) == 3 and state.limits[("active_findings", "")].refused == 2
    hub.apply_journal(state, _findings(_finding(0, resolved=True), _finding(4), _finding(5)))
    assert f"{0:032x}" not in state.findings and f"{4:032x}" in state.findings
    assert f"{5:032x}" not in state.findings  # the room one resolution made is taken again
    # The master's own finding does not take the agent's room: bound + one per hit.
    assert len(state.findings) == 3 + 1
    hub.apply_journal(state, _findings(_finding(1), complete=True))
    assert state.limits == {} and _master_findings(state) == set()


def test_an_agent_cannot_set_or_resolve_the_masters_own_findings() -> None:
    hub = _hub(objects_per_kind=1)
    state = hub.ensure("c")
    state.apply_delta(_delta(_pod(0), _pod(1)))
    [fp] = [fp for fp in state.findings if fp.startswith(MASTER_FINGERPRINT)]
    hub.apply_journal(state, _findings(_finding(0, resolved=True, fp=fp)))
    hub.apply_journal(state, _findings(_finding(1, fp=MASTER_FINGERPRINT + "forged")))
    assert set(state.findings) == {fp}
    [rec] = close_missing(_findings(complete=True), state.findings)
    assert isinstance(rec.body, FindingBatch) and rec.body.findings == ()  # never resolved


def test_metrics_of_more_nodes_than_the_bound_are_not_held() -> None:
    hub = _hub(nodes=2)
    state = hub.ensure("c")
    samples = tuple(NodeMetricsSample(f"n{i}", 1) for i in range(4))
    hub.apply_journal(state, [JournalRecord(1, 1, NodeMetricsBatch(samples))])
    assert sorted(state.node_metrics) == ["n0", "n1"]
    assert state.limits[("nodes", "")].refused == 2


def test_findings_with_absurd_fields_are_held_clipped() -> None:
    f = _finding(1)
    assert held(f) is f
    huge = Finding(
        "f" * 100_000,
        "R" * 100_000,
        Severity.INFO,
        "c",
        ObjectRef("Pod", "n" * 100_000, "x"),
        "m" * 100_000,
        1,
        1,
        owner=ObjectRef("Deployment", "ns", "o" * 100_000),
        attrs={f"k{i}": "v" * 10_000 for i in range(1_000)},
    )
    h = held(huge)
    size = len(h.fingerprint) + len(h.reason) + len(h.message) + len(h.subject.namespace)
    size += len(h.owner.name) if h.owner else 0
    size += sum(len(k) + len(v) for k, v in h.attrs.items())
    assert size < 12_000
    hub = _hub()
    state = hub.ensure("c")
    hub.apply_journal(state, _findings(huge))
    hub.apply_journal(state, _findings(_finding(0, resolved=True, fp=huge.fingerprint)))
    assert state.findings == {}  # held under its clipped key, resolved by its full one
