"""Behaviour the agent relies on, asserted identically against the real control plane
("kube") and the simulator ("sim"). If kubesim drifts from Kubernetes, a test here fails."""

from __future__ import annotations

import pytest
from kubernetes import client, watch

from tests.contract.backends import Backend, wait_for
from tests.contract.workloads import (
    FAULT,
    HEARTBEAT,
    deployment,
    node_ready_status,
    pods_of,
    running_ready,
)


def _configmap(name: str, **labels: str) -> dict[str, object]:
    return {"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}


# -- list and watch ---------------------------------------------------------------------------
def test_list_pages_with_limit_and_continue(core: client.CoreV1Api, ns: str) -> None:
    for i in range(5):
        core.create_namespaced_config_map(ns, _configmap(f"cm-{i}", page="yes"))
    names, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map(
            ns, label_selector="page=yes", limit=2, _continue=token
        )
        names += [c.metadata.name for c in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert sorted(names) == [f"cm-{i}" for i in range(5)]
    assert pages == 3


def test_watch_from_a_list_resource_version_sees_later_changes(
    core: client.CoreV1Api, ns: str
) -> None:
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, _configmap("later"))
    core.delete_namespaced_config_map("later", ns)
    seen = []
    for ev in watch.Watch().stream(
        core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=3
    ):
        if ev["raw_object"]["metadata"]["name"] == "later":
            seen.append(ev["type"])
    assert seen == ["ADDED", "DELETED"]


def test_watch_sends_bookmarks_when_allowed(core: client.CoreV1Api, ns: str) -> None:
    # Pods: served by the watch cache, which sends bookmarks (ConfigMaps bypass it here).
    rv = core.list_namespaced_pod(ns).metadata.resource_version
    bookmarks = [
        ev["raw_object"]["metadata"]["resourceVersion"]
        for ev in watch.Watch().stream(
            core.list_namespaced_pod,
            ns,
            resource_version=rv,
            allow_watch_bookmarks=True,
            timeout_seconds=5,
        )
        if ev["type"] == "BOOKMARK"
    ]
    assert bookmarks, "expected a BOOKMARK before the watch deadline"
    assert int(bookmarks[-1]) >= int(rv)


def test_watch_from_an_expired_resource_version_is_410_and_a_relist_recovers(
    core: client.CoreV1Api, ns: str
) -> None:
    def expired() -> int | None:
        # rv 1 is older than anything the server still has once history has been compacted
        # (the real control plane compacts etcd every 10 s and serves ConfigMaps without the
        # watch cache; kubesim's history starts after seeding) — until then ask again.
        try:
            for _ in watch.Watch().stream(
                core.list_namespaced_config_map, ns, resource_version="1", timeout_seconds=1
            ):
                pass
        except client.ApiException as e:
            return int(e.status)
        return None

    assert wait_for(expired, timeout=40, what="410 Gone for resourceVersion 1") == 410
    # The informer's recovery: list again, then watch from the fresh resourceVersion.
    rv = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, _configmap("after-relist"))
    names = [
        ev["raw_object"]["metadata"]["name"]
        for ev in watch.Watch().stream(
            core.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=3
        )
    ]
    assert "after-relist" in names


# -- workloads ---------------------------------------------------------------------------------
def test_scale_subresource_sets_replicas_and_pods_follow(
    core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 1))
    wait_for(lambda: running_ready(core, ns, "web", 1), what="1 running pod")
    apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert apps.read_namespaced_deployment_scale("web", ns).spec.replicas == 3
    wait_for(lambda: running_ready(core, ns, "web", 3), what="3 running pods")
    wait_for(
        lambda: apps.read_namespaced_deployment("web", ns).status.ready_replicas == 3,
        what="deployment status readyReplicas=3",
    )


def test_deleted_pod_is_replaced_by_its_replicaset(
    core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 2))
    before = wait_for(lambda: running_ready(core, ns, "web", 2), what="2 running pods")
    victim = before[0].metadata.name
    core.delete_namespaced_pod(victim, ns)
    after = wait_for(
        lambda: (
            (p := running_ready(core, ns, "web", 2))
            and victim not in {x.metadata.name for x in p}
            and p
        ),
        what="a replacement pod",
    )
    assert victim not in {p.metadata.name for p in after}


def test_changed_template_rolls_out_a_new_replicaset(
    core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 2))
    wait_for(lambda: running_ready(core, ns, "web", 2), what="2 running pods")
    apps.patch_namespaced_deployment(
        "web",
        ns,
        {
            "spec": {
                "template": {
                    "spec": {"containers": [{"name": "main", "image": "registry.local/app:2.0"}]}
                }
            }
        },
    )

    def rolled() -> bool:
        pods = running_ready(core, ns, "web", 2)
        return bool(pods) and all(p.spec.containers[0].image.endswith(":2.0") for p in pods)

    wait_for(rolled, timeout=60, what="pods on the new image")
    sets = apps.list_namespaced_replica_set(ns).items
    assert len(sets) == 2
    assert sorted(rs.spec.replicas for rs in sets) == [0, 2]


def test_cordoned_node_gets_no_new_pods(
    core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    node = sorted(n.metadata.name for n in core.list_node().items)[0]
    pin = {"kubernetes.io/hostname": node}
    core.patch_node(node, {"spec": {"unschedulable": True}})
    try:
        apps.create_namespaced_deployment(ns, deployment("pinned", 1, node_selector=pin))

        def unschedulable() -> bool:
            pods = pods_of(core, ns, "pinned")
            return (
                len(pods) == 1
                and not pods[0].spec.node_name
                and any(
                    c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable"
                    for c in pods[0].status.conditions or ()
                )
            )

        wait_for(unschedulable, what="the pod Pending and Unschedulable")
    finally:
        core.patch_node(node, {"spec": {"unschedulable": False}})
    pods = wait_for(
        lambda: running_ready(core, ns, "pinned", 1),
        timeout=60,
        what="the pod running after uncordon",
    )
    assert pods[0].spec.node_name == node


def test_eviction_blocked_by_a_pdb_is_429_and_allowed_once_the_budget_permits(
    core: client.CoreV1Api, apps: client.AppsV1Api, policy: client.PolicyV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 2))
    pods = wait_for(lambda: running_ready(core, ns, "web", 2), what="2 running pods")
    policy.create_namespaced_pod_disruption_budget(
        ns,
        {
            "metadata": {"name": "web"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        },
    )
    wait_for(
        lambda: (
            (s := policy.read_namespaced_pod_disruption_budget("web", ns).status)
            and s.current_healthy == 2
            and s.disruptions_allowed == 0
        ),
        what="PDB status",
    )
    victim = pods[0].metadata.name
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=victim, namespace=ns))
    with pytest.raises(client.ApiException) as blocked:
        core.create_namespaced_pod_eviction(victim, ns, body)
    assert blocked.value.status == 429
    assert "disruption budget" in blocked.value.body

    policy.patch_namespaced_pod_disruption_budget("web", ns, {"spec": {"minAvailable": 1}})
    wait_for(
        lambda: (
            policy.read_namespaced_pod_disruption_budget("web", ns).status.disruptions_allowed == 1
        ),
        what="budget allowing one disruption",
    )
    core.create_namespaced_pod_eviction(victim, ns, body)
    wait_for(
        lambda: victim not in {p.metadata.name for p in pods_of(core, ns, "web")},
        what="evicted pod gone",
    )
    wait_for(lambda: running_ready(core, ns, "web", 2), what="replacement running")


def test_dry_run_changes_nothing(core: client.CoreV1Api, apps: client.AppsV1Api, ns: str) -> None:
    created = apps.create_namespaced_deployment(ns, deployment("ghost", 1), dry_run="All")
    assert created.metadata.name == "ghost"
    with pytest.raises(client.ApiException) as missing:
        apps.read_namespaced_deployment("ghost", ns)
    assert missing.value.status == 404

    apps.create_namespaced_deployment(ns, deployment("web", 1))
    pod = wait_for(lambda: running_ready(core, ns, "web", 1), what="1 running pod")[0]
    scaled = apps.patch_namespaced_deployment_scale(
        "web", ns, {"spec": {"replicas": 5}}, dry_run="All"
    )
    assert scaled.spec.replicas == 5
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 1
    core.delete_namespaced_pod(pod.metadata.name, ns, dry_run="All")
    assert core.read_namespaced_pod(pod.metadata.name, ns).metadata.deletion_timestamp is None
    core.patch_node(pod.spec.node_name, {"spec": {"unschedulable": True}}, dry_run="All")
    assert not core.read_node(pod.spec.node_name).spec.unschedulable


# -- identity ----------------------------------------------------------------------------------
def test_agent_identity_can_list_and_watch_pods_but_not_read_secrets(
    backend: Backend, core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_secret(ns, {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    agent = client.CoreV1Api(backend.api(agent=True))
    assert agent.list_pod_for_all_namespaces(limit=1) is not None
    for _ in watch.Watch().stream(agent.list_namespaced_pod, ns, timeout_seconds=1):
        pass
    for call in (
        lambda: agent.list_namespaced_secret(ns),
        lambda: agent.read_namespaced_secret("s", ns),
    ):
        with pytest.raises(client.ApiException) as denied:
            call()
        assert denied.value.status == 403


# -- failure states Lookout must detect -----------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "reason", "code"), [("crashloop", "Error", 1), ("oomkilled", "OOMKilled", 137)]
)
def test_crash_looping_container_restarts_and_reports_how_it_died(
    core: client.CoreV1Api, apps: client.AppsV1Api, ns: str, fault: str, reason: str, code: int
) -> None:
    apps.create_namespaced_deployment(ns, deployment("bad", 1, labels={FAULT: fault}))

    def looping() -> object:
        pods = pods_of(core, ns, "bad")
        cs = pods[0].status.container_statuses if pods else None
        return cs and cs[0].restart_count >= 2 and cs[0]

    cs = wait_for(looping, timeout=60, what="restartCount >= 2")
    pod = pods_of(core, ns, "bad")[0]
    assert pod.status.phase == "Running"
    assert not cs.ready
    assert cs.state.waiting.reason == "CrashLoopBackOff"
    assert cs.last_state.terminated.reason == reason
    assert cs.last_state.terminated.exit_code == code


def test_wrong_image_leaves_the_pod_pending_in_image_pull_back_off(
    core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("typo", 1, labels={FAULT: "imagepull"}))

    def backing_off() -> object:
        pods = pods_of(core, ns, "typo")
        cs = pods[0].status.container_statuses if pods else None
        waiting = cs and cs[0].state.waiting
        return waiting and waiting.reason == "ImagePullBackOff" and pods[0]

    pod = wait_for(backing_off, timeout=60, what="ImagePullBackOff")
    assert pod.status.phase == "Pending"
    assert not pod.status.container_statuses[0].ready
    assert pod.status.container_statuses[0].restart_count == 0


def test_node_that_stops_heartbeating_turns_not_ready_and_recovers(
    core: client.CoreV1Api,
) -> None:
    node = sorted(n.metadata.name for n in core.list_node().items)[-1]

    def addresses() -> list[tuple[str, str]]:
        return [(a.type, a.address) for a in core.read_node(node).status.addresses or ()]

    before = addresses()
    assert before, f"{node} has no address to keep"
    core.patch_node(node, {"metadata": {"labels": {HEARTBEAT: "stopped"}}})
    try:
        lost = wait_for(
            lambda: (n := core.read_node(node)) and node_ready_status(n) == "Unknown" and n,
            timeout=60,
            what="Ready=Unknown",
        )
        cond = next(c for c in lost.status.conditions if c.type == "Ready")
        assert cond.reason == "NodeStatusUnknown"
    finally:
        core.patch_node(node, {"metadata": {"labels": {HEARTBEAT: None}}})
    wait_for(
        lambda: node_ready_status(core.read_node(node)) == "True",
        timeout=60,
        what="Ready=True again",
    )
    # Recovered with its addresses: the API server reaches the kubelet (logs) through them.
    assert addresses() == before
