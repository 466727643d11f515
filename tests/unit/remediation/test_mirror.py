"""Evidence, impact and the watched findings, read from a mirrored cluster state."""

from __future__ import annotations

from typing import Any

import orjson

from master.datahub.cluster import ClusterState
from master.remediation import mirror
from master.remediation.suggestions import Action, MiB
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from tests.unit.remediation.findings import DEPLOY, finding


def _put(state: ClusterState, kind: str, body: dict[str, Any]) -> None:
    meta = body["metadata"]
    ref = ObjectRef(kind, meta.get("namespace", ""), meta["name"])
    state.resources.setdefault(kind, {})[(ref.namespace, ref.name)] = Resource(
        ref, "1", body_json=orjson.dumps(body)
    )


def _cluster() -> ClusterState:
    s = ClusterState("edge")
    container = {
        "name": "main",
        "resources": {"limits": {"memory": "512Mi"}, "requests": {"memory": "256Mi"}},
    }
    _put(s, "Deployment", {
        "metadata": {"name": "checkout", "namespace": "shop"},
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "checkout"}},
                                             "spec": {"containers": [container]}}},
        "status": {"availableReplicas": 2},
    })  # fmt: skip
    for rev, created in ((1, "2026-01-01T00:00:00Z"), (2, "2026-01-02T00:00:00Z")):
        _put(s, "ReplicaSet", {
            "metadata": {"name": f"checkout-{rev}", "namespace": "shop",
                         "creationTimestamp": created,
                         "annotations": {"deployment.kubernetes.io/revision": str(rev)},
                         "ownerReferences": [{"kind": "Deployment", "name": "checkout"}]},
        })  # fmt: skip
    _put(s, "PodDisruptionBudget", {
        "metadata": {"name": "checkout", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "checkout"}}},
        "status": {"disruptionsAllowed": 0, "currentHealthy": 2, "desiredHealthy": 2},
    })  # fmt: skip
    return s


def test_evidence_reads_the_containers_memory_and_the_revisions_oldest_first() -> None:
    ev = mirror.evidence(_cluster(), finding("OOMKilled"))
    assert ev.workload == DEPLOY
    assert (ev.memory_limit, ev.memory_request) == (512 * MiB, 256 * MiB)
    assert [r.number for r in ev.revisions] == [1, 2]
    assert ev.revisions[1].created_ms > ev.revisions[0].created_ms > 0


def test_a_predicted_oom_s_level_is_the_highest_usage_seen() -> None:
    # the anomaly service's finding carries the detector's evidence as evidence_<name>
    attrs = {"container": "main", "statistical": "true", "evidence_bytes": "4.2e+08"}
    ev = mirror.evidence(_cluster(), finding("PredictedOOM", attrs=attrs))
    assert ev.memory_peak == 420_000_000


def test_the_impact_check_names_missing_replicas_and_a_budget_with_no_headroom() -> None:
    out = mirror.impact(_cluster(), Action("rollout_restart", DEPLOY))
    assert out["replicas"] == {"desired": 3, "available": 2}
    assert out["pdbs"][0]["disruptions_allowed"] == 0
    assert any("2 of 3" in w for w in out["warnings"])
    assert any("shop/checkout allows no disruption" in w for w in out["warnings"])


def test_the_watched_findings_are_the_workloads_and_its_pods() -> None:
    s = _cluster()
    mine, other = finding("CrashLoopBackOff"), finding("OOMKilled", owner=None, fingerprint="x")
    s.findings = {mine.fingerprint: mine, other.fingerprint: other}
    assert mirror.on_workload(s, DEPLOY) == [mine]
