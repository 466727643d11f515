"""Pod metrics samples get their container's requests, limits, restarts and workload from the
mirrored pod when they arrive."""

from __future__ import annotations

import orjson

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.processor.podspecs import SpecCache, attach_specs
from shared.domain.journal import Gap, JournalRecord, PodMetricsBatch
from shared.domain.podmetrics import ContainerSpec, ContainerUsage, PodUsage
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource

MI = 2**20


def _res(kind: str, name: str, body: dict[str, object]) -> Resource:
    return Resource(ObjectRef(kind, "shop", name), "1", body_json=orjson.dumps(body))


def _owner(kind: str, name: str) -> dict[str, object]:
    return {"ownerReferences": [{"kind": kind, "name": name, "controller": True}]}


POD = {
    "metadata": _owner("ReplicaSet", "web-7f9"),
    "spec": {
        "containers": [
            {
                "name": "app",
                "resources": {
                    "requests": {"cpu": "100m", "memory": "64Mi"},
                    "limits": {"cpu": "1", "memory": "512Mi"},
                },
            },
            {"name": "sidecar", "resources": {"limits": {"memory": "lots"}}},
        ]
    },
    "status": {"containerStatuses": [{"name": "app", "restartCount": 3}]},
}


def _state(*resources: Resource) -> ClusterState:
    state = DataHub(reconnecting_after_s=15, offline_after_s=60).ensure("prod")
    for r in resources:
        state.resources.setdefault(r.ref.kind, {})[(r.ref.namespace, r.ref.name)] = r
    return state


def _record(*pods: str) -> JournalRecord:
    usage = tuple(
        PodUsage(
            "shop",
            p,
            1,
            20_000,
            (ContainerUsage("app", 5.0, MI), ContainerUsage("sidecar", 1.0, MI)),
        )
        for p in pods
    )
    return JournalRecord(1, 1, PodMetricsBatch(usage))


def test_a_mirrored_pods_containers_get_requests_limits_restarts_and_deployment() -> None:
    state = _state(
        _res("Pod", "web-1", POD),
        _res("ReplicaSet", "web-7f9", {"metadata": _owner("Deployment", "web")}),
    )
    [rec] = attach_specs([_record("web-1")], state)
    assert isinstance(rec.body, PodMetricsBatch)
    app, sidecar = rec.body.pods[0].containers
    assert app.spec == ContainerSpec(100.0, 1000.0, 64 * MI, 512 * MI, 3, "Deployment/web")
    # An unreadable limit is left unset, never guessed; the workload is the pod's.
    assert sidecar.spec == ContainerSpec(workload="Deployment/web")


def test_without_the_replicaset_the_workload_is_the_replicaset() -> None:
    [rec] = attach_specs([_record("web-1")], _state(_res("Pod", "web-1", POD)))
    assert isinstance(rec.body, PodMetricsBatch)
    assert rec.body.pods[0].containers[0].spec.workload == "ReplicaSet/web-7f9"  # type: ignore[union-attr]


def test_a_bare_pod_is_its_own_workload_and_an_unmirrored_pod_keeps_no_spec() -> None:
    bare = _res("Pod", "solo", {"metadata": {}, "spec": {"containers": [{"name": "app"}]}})
    [rec] = attach_specs([_record("solo", "gone")], _state(bare))
    assert isinstance(rec.body, PodMetricsBatch)
    solo, gone = rec.body.pods
    assert solo.containers[0].spec == ContainerSpec(workload="Pod/solo")
    assert solo.containers[1].spec is None  # a container the spec does not list
    assert all(c.spec is None for c in gone.containers)


def test_other_records_pass_through_unchanged() -> None:
    rec = JournalRecord(1, 1, Gap(1, 1, 1))
    assert attach_specs([rec], _state()) == [rec]


def _pod(version: str, body: dict[str, object] = POD) -> Resource:
    return Resource(
        ObjectRef("Pod", "shop", "web-1", "uid-1"), version, body_json=orjson.dumps(body)
    )


def _app_spec(state: ClusterState, cache: SpecCache) -> ContainerSpec | None:
    [rec] = attach_specs([_record("web-1")], state, cache)
    assert isinstance(rec.body, PodMetricsBatch)
    return rec.body.pods[0].containers[0].spec


def test_the_cache_reads_a_pod_version_once_and_a_new_version_afresh() -> None:
    cache = SpecCache()
    state = _state(_pod("1"))
    first = _app_spec(state, cache)
    assert _app_spec(state, cache) is first and len(cache) == 1  # parsed once, reused
    raised = orjson.loads(orjson.dumps(POD))
    raised["spec"]["containers"][0]["resources"]["limits"]["memory"] = "1Gi"
    state = _state(_pod("2", raised))  # a rollout raised the limit: a new resourceVersion
    spec = _app_spec(state, cache)
    assert spec is not None and spec.memory_limit_bytes == 1024 * MI


def test_a_cached_pod_learns_its_deployment_when_the_replicaset_arrives_later() -> None:
    cache = SpecCache()
    pod = _pod("1")
    assert _app_spec(_state(pod), cache).workload == "ReplicaSet/web-7f9"  # type: ignore[union-attr]
    rs = _res("ReplicaSet", "web-7f9", {"metadata": _owner("Deployment", "web")})
    assert _app_spec(_state(pod, rs), cache).workload == "Deployment/web"  # type: ignore[union-attr]


def test_the_cache_drops_the_least_recently_used_past_its_bound() -> None:
    cache = SpecCache(max_entries=2)
    specs = {v: _app_spec(_state(_pod(v)), cache) for v in ("1", "2")}
    assert _app_spec(_state(_pod("1")), cache) is specs["1"]  # "1" used again: "2" is oldest
    _app_spec(_state(_pod("3")), cache)
    assert len(cache) == 2
    assert _app_spec(_state(_pod("1")), cache) is specs["1"]
    assert _app_spec(_state(_pod("2")), cache) is not specs["2"]  # dropped, read afresh
