"""rollout_restart and rollback on both backends ("kube" and "sim"), verified by what the
controllers then do: new ReplicaSets and revisions, pods replaced from the restarted or
restored template. See ``test_commands_contract`` for the whole suite's map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from kubernetes import client

from shared.domain.commands import CommandState
from shared.domain.refs import ObjectRef
from tests.contract.backends import Backend
from tests.contract.commands_runner import agent_executor, settled
from tests.contract.workloads import (
    IMAGE,
    daemonset,
    deployment,
    pods_of,
    ready_node_with_address,
    running_ready,
    statefulset,
)
from tests.k8s.executor_runner import Runner

RESTARTED = "kubectl.kubernetes.io/restartedAt"
REVISION = "deployment.kubernetes.io/revision"


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


def _replaced(core: client.CoreV1Api, ns: str, app: str, old: set[str], n: int) -> Any:
    """``n`` Running, Ready pods, none of them one of ``old`` (uids), all restarted."""

    def check() -> list[Any] | None:
        now = running_ready(core, ns, app, n)
        if not now or any(p.metadata.uid in old for p in now):
            return None
        restarted = all(RESTARTED in (p.metadata.annotations or {}) for p in now)
        return now if restarted else None

    return check


async def test_rollout_restart_of_a_deployment_makes_a_new_replicaset_and_replaces_the_pods(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 2))
    pods = await settled(lambda: running_ready(core, ns, "web", 2), "2 Running pods")
    old_rs = {r.metadata.name for r in apps.list_namespaced_replica_set(ns).items}
    out = await runner.run(
        "rollout_restart", ObjectRef(kind="Deployment", namespace=ns, name="web")
    )
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["restarted_at"]
    await settled(
        lambda: {r.metadata.name for r in apps.list_namespaced_replica_set(ns).items} - old_rs,
        "a new ReplicaSet",
    )
    old = {p.metadata.uid for p in pods}
    await settled(_replaced(core, ns, "web", old, 2), "old pods replaced by restarted ones")
    dep = apps.read_namespaced_deployment("web", ns)
    assert dep.metadata.annotations[REVISION] == "2"


async def test_rollout_restart_of_a_statefulset_replaces_every_pod_under_the_same_names(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_stateful_set(ns, statefulset("db", 2))
    pods = await settled(lambda: running_ready(core, ns, "db", 2), "2 Running pods")
    out = await runner.run(
        "rollout_restart", ObjectRef(kind="StatefulSet", namespace=ns, name="db")
    )
    assert out.state is CommandState.SUCCEEDED, out
    old = {p.metadata.uid for p in pods}
    now = await settled(_replaced(core, ns, "db", old, 2), "both pods replaced, one at a time")
    assert sorted(p.metadata.name for p in now) == ["db-0", "db-1"]

    def rolled_out() -> Any:
        st = apps.read_namespaced_stateful_set("db", ns).status
        return st.updated_replicas == 2 and st.current_revision == st.update_revision

    await settled(rolled_out, "the StatefulSet reporting the rollout complete")


async def test_rollout_restart_of_a_daemonset_replaces_its_pod(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    host = ready_node_with_address(core)
    apps.create_namespaced_daemon_set(
        ns, daemonset("agent", nodeSelector={"kubernetes.io/hostname": host})
    )
    [pod] = await settled(lambda: running_ready(core, ns, "agent", 1), "the daemon pod")
    assert pod.spec.node_name == host
    out = await runner.run(
        "rollout_restart", ObjectRef(kind="DaemonSet", namespace=ns, name="agent")
    )
    assert out.state is CommandState.SUCCEEDED, out
    [new] = await settled(
        _replaced(core, ns, "agent", {pod.metadata.uid}, 1), "the daemon pod replaced"
    )
    assert new.spec.node_name == host
    await settled(
        lambda: apps.read_namespaced_daemon_set("agent", ns).status.updated_number_scheduled == 1,
        "the DaemonSet counting its updated pod",
    )


async def test_rollback_restores_the_previous_template_by_reusing_its_replicaset(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 1))
    await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    target = ObjectRef(kind="Deployment", namespace=ns, name="web")
    out = await runner.run(
        "set_image", target, {"container": "main", "image": "registry.local/app:2.0"}
    )
    assert out.state is CommandState.SUCCEEDED, out
    await settled(
        lambda: len(apps.list_namespaced_replica_set(ns).items) == 2, "a second ReplicaSet"
    )
    await settled(
        lambda: (
            apps.read_namespaced_deployment("web", ns).metadata.annotations.get(REVISION) == "2"
        ),
        "the Deployment at revision 2",
    )

    out = await runner.run("rollback", target)
    assert out.state is CommandState.SUCCEEDED, out
    result = orjson.loads(out.result_json)
    assert (result["from_revision"], result["to_revision"], result["changed"]) == (2, 1, True)
    spec = apps.read_namespaced_deployment("web", ns).spec.template.spec
    assert spec.containers[0].image == IMAGE

    def restored() -> Any:
        pods = running_ready(core, ns, "web", 1)
        return pods and pods[0].spec.containers[0].image == IMAGE

    await settled(restored, "the pod back on the first image")
    # Like `kubectl rollout undo`: no third ReplicaSet; the first one is the newest revision.
    sets = apps.list_namespaced_replica_set(ns).items
    assert len(sets) == 2
    by_image = {rs.spec.template.spec.containers[0].image: rs for rs in sets}
    await settled(
        lambda: (
            apps.read_namespaced_deployment("web", ns).metadata.annotations.get(REVISION) == "3"
        ),
        "the Deployment at revision 3",
    )
    reused = apps.read_namespaced_replica_set(by_image[IMAGE].metadata.name, ns)
    assert reused.metadata.annotations[REVISION] == "3"
    assert len(pods_of(core, ns, "web")) == 1
    again = await runner.run("rollback", target, {"revision": 7})
    assert (again.state, again.error_code) == (CommandState.FAILED, "not_found"), again
    assert "revisions: 2, 3" in again.message
