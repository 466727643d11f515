"""The agent's commands against both backends ("kube" and "sim"): the executor runs them with
the agent's own identity (the backend's agent kubeconfig) and the outcome is read back with the
admin identity. If kubesim answers a command differently from Kubernetes, a test here fails, so
the demo's commands behave like real ones.

The whole command suite runs on both backends, every case asserting the resulting cluster state
the way ``tests/k8s/test_commands.py`` does against the real control plane:

- here: scale (a Deployment up, a StatefulSet down from its highest ordinal), cordon and
  uncordon, delete_pod, restart_pod (managed pod replaced, bare pod refused), set_image (only
  the named container changes, pods follow; an unknown one is ``not_found``) and dry-run;
- ``test_rollout_commands_contract``: rollout_restart of a Deployment (new ReplicaSet, old pods
  replaced), a StatefulSet and a DaemonSet (every pod replaced from the restarted template);
  rollback (previous template restored by reusing its ReplicaSet at a new revision);
- ``test_resources_commands_contract``: set_resources (a dry run reports the diff and keeps
  nothing; a run changes the template and the new ReplicaSet's pods carry the new limit; a
  request above the current limit, an unknown container or resource refused before a write);
- ``test_drain_commands_contract``: drain (emptyDir pods refused unless ``delete_emptydir``,
  DaemonSet pods skipped, evictions held by a PodDisruptionBudget reported as retried until the
  timeout, then everything evictable gone once the budget allows; a crash-looping pod evicted
  while the healthy ones meet its budget);
- ``test_read_commands_contract``: describe (the redacted object and its events) and pod_logs
  (tail, container choice and the API server's 400s, since, previous).

``test_kubesim_commands`` covers, on the simulator alone, the log cases kwok cannot serve.
The ``Runner`` they share is in ``commands_runner``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from kubernetes import client

from shared.domain.commands import CommandState
from shared.domain.refs import ObjectRef
from tests.contract.backends import Backend
from tests.contract.commands_runner import agent_executor, pod_ref, settled
from tests.contract.workloads import IMAGE, deployment, pods_of, running_ready, statefulset
from tests.k8s.executor_runner import Runner


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


async def test_scale_sets_the_replica_count_and_that_many_pods_run(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 1))
    await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    out = await runner.run("scale", ObjectRef(kind="Deployment", namespace=ns, name="web"),
                           {"replicas": 3})  # fmt: skip
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["replicas"] == 3
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 3
    await settled(lambda: running_ready(core, ns, "web", 3), "3 Running pods")


async def test_scaling_a_statefulset_down_removes_the_highest_ordinals(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_stateful_set(ns, statefulset("db", 3))
    await settled(lambda: running_ready(core, ns, "db", 3), "3 Running pods")
    target = ObjectRef(kind="StatefulSet", namespace=ns, name="db")
    out = await runner.run("scale", target, {"replicas": 1})
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["replicas_before"] == 3
    [left] = await settled(lambda: running_ready(core, ns, "db", 1), "1 pod left")
    assert left.metadata.name == "db-0"
    scale = apps.read_namespaced_stateful_set_scale("db", ns)
    assert (scale.spec.replicas, scale.status.selector) == (1, "app=db")


async def test_cordon_marks_the_node_unschedulable_and_uncordon_clears_it(
    runner: Runner, core: client.CoreV1Api
) -> None:
    node = sorted(n.metadata.name for n in core.list_node().items)[0]
    target = ObjectRef(kind="Node", name=node)
    try:
        out = await runner.run("cordon", target)
        assert out.state is CommandState.SUCCEEDED, out
        assert core.read_node(node).spec.unschedulable is True
        out = await runner.run("uncordon", target)
        assert out.state is CommandState.SUCCEEDED, out
        assert not core.read_node(node).spec.unschedulable
    finally:  # never leave a shared node cordoned for the tests that follow
        core.patch_node(node, {"spec": {"unschedulable": False}})


async def test_deleting_a_managed_pod_gets_it_replaced(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 2))
    pods = await settled(lambda: running_ready(core, ns, "web", 2), "2 Running pods")
    victim = pods[0].metadata.name
    out = await runner.run("delete_pod", pod_ref(ns, victim), {"grace_period_s": 0})
    assert out.state is CommandState.SUCCEEDED, out

    def replaced() -> list[Any] | None:
        now = running_ready(core, ns, "web", 2)
        return now if now and victim not in {p.metadata.name for p in now} else None

    await settled(replaced, "a replacement pod Running in place of the deleted one")


async def test_dry_run_scale_and_cordon_change_nothing(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 1))
    await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    target = ObjectRef(kind="Deployment", namespace=ns, name="web")
    out = await runner.run("scale", target, {"replicas": 4}, dry_run=True)
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["dry_run"] is True
    node = sorted(n.metadata.name for n in core.list_node().items)[0]
    out = await runner.run("cordon", ObjectRef(kind="Node", name=node), dry_run=True)
    assert out.state is CommandState.SUCCEEDED, out
    assert not core.read_node(node).spec.unschedulable
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 1
    # A real scale afterwards proves the pod count below is read after the dry run settled.
    out = await runner.run("scale", target, {"replicas": 2})
    assert out.state is CommandState.SUCCEEDED, out
    await settled(lambda: running_ready(core, ns, "web", 2), "2 Running pods")
    assert len(pods_of(core, ns, "web")) == 2


async def test_restart_pod_replaces_a_managed_pod_and_refuses_a_bare_one(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 1))
    core.create_namespaced_pod(
        ns, {"metadata": {"name": "bare"}, "spec": {"containers": [{"name": "c", "image": IMAGE}]}}
    )
    [old] = await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    out = await runner.run("restart_pod", pod_ref(ns, old.metadata.name))
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["owner"].startswith("ReplicaSet/web-")

    def replaced() -> list[Any] | None:
        now = running_ready(core, ns, "web", 1)
        return now if now and now[0].metadata.name != old.metadata.name else None

    await settled(replaced, "a replacement pod Running")
    refused = await runner.run("restart_pod", pod_ref(ns, "bare"))
    assert (refused.state, refused.error_code) == (CommandState.FAILED, "refused"), refused
    assert "no controller" in refused.message
    assert core.read_namespaced_pod("bare", ns).metadata.deletion_timestamp is None


async def test_set_image_changes_only_the_named_container_and_the_pods_follow(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    containers = [{"name": "app", "image": IMAGE}, {"name": "sidecar", "image": "proxy:1"}]
    apps.create_namespaced_deployment(ns, deployment("web", 1, containers=containers))
    await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    target = ObjectRef(kind="Deployment", namespace=ns, name="web")
    out = await runner.run(
        "set_image", target, {"container": "app", "image": "registry.local/app:2.0"}
    )
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["image_before"] == IMAGE
    spec = apps.read_namespaced_deployment("web", ns).spec.template.spec
    assert {c.name: c.image for c in spec.containers} == {
        "app": "registry.local/app:2.0",
        "sidecar": "proxy:1",
    }

    def rolled() -> list[Any] | None:
        now = running_ready(core, ns, "web", 1)
        images = now and {c.name: c.image for c in now[0].spec.containers}
        return now if images == {"app": "registry.local/app:2.0", "sidecar": "proxy:1"} else None

    await settled(rolled, "the pod replaced by one on the new image")
    missing = await runner.run("set_image", target, {"container": "nope", "image": "a:1"})
    assert (missing.state, missing.error_code) == (CommandState.FAILED, "not_found"), missing
    assert "containers: app, sidecar" in missing.message
