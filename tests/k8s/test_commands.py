"""Every command against the real control plane (kwok nodes), run by the agent's executor with
the agent's own restricted identity, and verified by the resulting cluster state (read back
with the admin identity through kubectl). The link and the bus are proven in
``tests/integration/commands``; here the peer under test is the Kubernetes API."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pytest

from agent.executor.settings import PolicySettings
from shared.domain.commands import CommandState
from shared.domain.refs import ObjectRef
from tests.k8s.controlplane import AGENT_NAMESPACE, AGENT_SA, ControlPlane
from tests.k8s.executor_runner import Runner, running_executor

IMAGE = "registry.local/web:1.0"


@pytest.fixture
async def runner(k8s_cluster: ControlPlane) -> AsyncIterator[Runner]:
    # The cluster owner opted in to drain (it is off by default, in the code and the chart).
    policy = PolicySettings(drain_enabled=True)
    async with running_executor(k8s_cluster.agent_kubeconfig, policy) as r:
        yield r


def get(cp: ControlPlane, *args: str) -> Any:
    return json.loads(cp.kubectl("get", *args, "-o", "json").stdout)


async def until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    try:
        async with asyncio.timeout(timeout):
            # The cluster is an outside system: polling it is the only way to observe it.
            while not await asyncio.to_thread(check):  # noqa: ASYNC110
                await asyncio.sleep(0.3)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def deployment(ns: str, name: str, *, replicas: int = 1, **pod: Any) -> dict[str, Any]:
    containers = pod.pop("containers", [{"name": "app", "image": IMAGE}])
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": containers, **pod},
            },
        },
    }


def running_pods(cp: ControlPlane, ns: str, app: str) -> list[dict[str, Any]]:
    pods = get(cp, "pods", "-n", ns, "-l", f"app={app}")["items"]
    return [
        p
        for p in pods
        if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    ]


def ref(kind: str, ns: str, name: str) -> ObjectRef:
    return ObjectRef(kind=kind, namespace=ns, name=name)


async def test_scale_sets_replicas_and_the_pods_run(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([deployment(ns, "web")])
    out = await runner.run("scale", ref("Deployment", ns, "web"), {"replicas": 3})
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["replicas"] == 3
    await until(lambda: len(running_pods(cp, ns, "web")) == 3, "3 Running pods")
    assert get(cp, "deployment", "web", "-n", ns)["spec"]["replicas"] == 3


async def test_dry_run_changes_nothing(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([deployment(ns, "web")])
    target = ref("Deployment", ns, "web")
    out = await runner.run("scale", target, {"replicas": 5}, dry_run=True)
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["dry_run"] is True
    out = await runner.run(
        "set_image", target, {"container": "app", "image": "registry.local/web:2"}, dry_run=True
    )
    assert out.state is CommandState.SUCCEEDED, out
    dep = get(cp, "deployment", "web", "-n", ns)
    assert dep["spec"]["replicas"] == 1
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE


async def test_rollout_restart_creates_a_new_replicaset_and_replaces_the_pods(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([deployment(ns, "web", replicas=2)])
    await until(lambda: len(running_pods(cp, ns, "web")) == 2, "2 Running pods")
    old_pods = {p["metadata"]["name"] for p in running_pods(cp, ns, "web")}
    old_rs = {r["metadata"]["name"] for r in get(cp, "rs", "-n", ns)["items"]}
    out = await runner.run("rollout_restart", ref("Deployment", ns, "web"))
    assert out.state is CommandState.SUCCEEDED, out
    await until(
        lambda: {r["metadata"]["name"] for r in get(cp, "rs", "-n", ns)["items"]} - old_rs != set(),
        "a new ReplicaSet",
    )

    def replaced() -> bool:
        now = {p["metadata"]["name"] for p in running_pods(cp, ns, "web")}
        return len(now) == 2 and not (now & old_pods)

    await until(replaced, "old pods replaced")


async def test_set_image_changes_only_the_named_container(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    containers = [{"name": "app", "image": IMAGE}, {"name": "sidecar", "image": "proxy:1"}]
    cp.apply([deployment(ns, "web", containers=containers)])
    target = ref("Deployment", ns, "web")
    out = await runner.run(
        "set_image", target, {"container": "app", "image": "registry.local/web:2.0"}
    )
    assert out.state is CommandState.SUCCEEDED, out
    images = {
        c["name"]: c["image"]
        for c in get(cp, "deployment", "web", "-n", ns)["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"app": "registry.local/web:2.0", "sidecar": "proxy:1"}
    missing = await runner.run("set_image", target, {"container": "nope", "image": "a:1"})
    assert (missing.state, missing.error_code) == (CommandState.FAILED, "not_found")
    assert "containers: app, sidecar" in missing.message


async def test_rollback_restores_the_previous_template(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([deployment(ns, "web")])
    await until(lambda: len(get(cp, "rs", "-n", ns)["items"]) == 1, "first ReplicaSet")
    cp.kubectl("set", "image", "deployment/web", "app=registry.local/web:2.0", "-n", ns)
    await until(lambda: len(get(cp, "rs", "-n", ns)["items"]) == 2, "second ReplicaSet")
    out = await runner.run("rollback", ref("Deployment", ns, "web"))
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json)["to_revision"] == 1
    image = get(cp, "deployment", "web", "-n", ns)["spec"]["template"]["spec"]["containers"][0]
    assert image["image"] == IMAGE


def _node(cp: ControlPlane, name: str, *, taint: bool) -> None:
    node: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"kubernetes.io/hostname": name, "type": "kwok"},
        },
        "status": {
            "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
            "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
        },
    }
    if taint:
        node["spec"] = {"taints": [{"key": "lookout-test", "value": name, "effect": "NoSchedule"}]}
    cp.apply([node])


def _on(node: str) -> dict[str, Any]:
    return {
        "nodeSelector": {"kubernetes.io/hostname": node},
        "tolerations": [{"key": "lookout-test", "operator": "Exists"}],
    }


async def test_cordon_stops_scheduling_and_uncordon_resumes_it(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    node = f"cordon-{uuid.uuid4().hex[:6]}"
    _node(cp, node, taint=True)
    try:
        out = await runner.run("cordon", ObjectRef(kind="Node", name=node))
        assert out.state is CommandState.SUCCEEDED, out
        assert get(cp, "node", node)["spec"].get("unschedulable") is True
        cp.apply([deployment(ns, "pinned", **_on(node))])

        def unschedulable() -> bool:
            pods = get(cp, "pods", "-n", ns, "-l", "app=pinned")["items"]
            return (
                bool(pods)
                and all(
                    c.get("reason") == "Unschedulable"
                    for p in pods
                    for c in p["status"].get("conditions", [])
                    if c["type"] == "PodScheduled"
                )
                and all(not p["spec"].get("nodeName") for p in pods)
            )

        await until(unschedulable, "the scheduler refusing the cordoned node")
        out = await runner.run("uncordon", ObjectRef(kind="Node", name=node))
        assert out.state is CommandState.SUCCEEDED, out
        assert not get(cp, "node", node)["spec"].get("unschedulable")
        await until(lambda: len(running_pods(cp, ns, "pinned")) == 1, "pod placed after uncordon")
    finally:
        cp.kubectl("delete", "node", node, "--wait=false", check=False)


async def test_drain_evicts_through_pdbs_skips_daemonsets_and_reports_what_it_could_not_evict(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    node = f"drain-{uuid.uuid4().hex[:6]}"
    _node(cp, node, taint=True)
    # The agent's chart ClusterRole has no pods/eviction yet; grant it here, namespaced.
    cp.apply([
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": "evict", "namespace": ns},
         "rules": [{"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "evict", "namespace": ns},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "evict"},
         "subjects": [{"kind": "ServiceAccount", "name": AGENT_SA, "namespace": AGENT_NAMESPACE}]},
        deployment(ns, "web", replicas=2, **_on(node)),
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds", "namespace": ns},
         "spec": {"selector": {"matchLabels": {"app": "ds"}},
                  "template": {"metadata": {"labels": {"app": "ds"}},
                               "spec": {"containers": [{"name": "c", "image": IMAGE}],
                                        **_on(node)}}}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
         "metadata": {"name": "web", "namespace": ns},
         "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}},
    ])  # fmt: skip
    try:
        await until(lambda: len(running_pods(cp, ns, "web")) == 2, "2 web pods on the node")
        await until(lambda: len(running_pods(cp, ns, "ds")) == 1, "the DaemonSet pod")
        await until(
            lambda: get(cp, "pdb", "web", "-n", ns).get("status", {}).get("currentHealthy") == 2,
            "the PDB to count healthy pods",
        )
        target = ObjectRef(kind="Node", name=node)
        blocked = await runner.run("drain", target, {"timeout_s": 3})
        assert (blocked.state, blocked.error_code) == (CommandState.FAILED, "drain_incomplete")
        report = orjson.loads(blocked.result_json)
        assert {f["pod"].split("/")[0] for f in report["failed"]} == {ns}
        assert all("disruption budget" in f["reason"] for f in report["failed"]), report
        assert all("retried" in f["reason"] for f in report["failed"])
        assert [s["reason"] for s in report["skipped"]] == ["DaemonSet-managed"]
        progress = [u for u in runner.updates(blocked.command_id) if not u.state.terminal]
        assert any("retrying" in u.message for u in progress)
        assert get(cp, "node", node)["spec"]["unschedulable"] is True
        assert len(running_pods(cp, ns, "web")) == 2  # nothing deleted behind the PDB's back

        cp.kubectl("delete", "pdb", "web", "-n", ns)
        done = await runner.run("drain", target, {"timeout_s": 60})
        assert done.state is CommandState.SUCCEEDED, done
        assert len(orjson.loads(done.result_json)["evicted"]) == 2
        on_node = get(cp, "pods", "-n", ns, "--field-selector", f"spec.nodeName={node}")["items"]
        assert [p["metadata"]["labels"]["app"] for p in on_node] == ["ds"]
    finally:
        cp.kubectl("delete", "node", node, "--wait=false", check=False)


async def test_restart_pod_replaces_a_managed_pod_and_refuses_a_bare_one(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([
        deployment(ns, "web"),
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": ns},
         "spec": {"containers": [{"name": "c", "image": IMAGE}]}},
    ])  # fmt: skip
    await until(lambda: len(running_pods(cp, ns, "web")) == 1, "web pod")
    [old] = [p["metadata"]["name"] for p in running_pods(cp, ns, "web")]
    out = await runner.run("restart_pod", ref("Pod", ns, old))
    assert out.state is CommandState.SUCCEEDED, out

    def replaced() -> bool:
        names = [p["metadata"]["name"] for p in running_pods(cp, ns, "web")]
        return len(names) == 1 and names != [old]

    await until(replaced, "a replacement pod")
    refused = await runner.run("restart_pod", ref("Pod", ns, "bare"))
    assert (refused.state, refused.error_code) == (CommandState.FAILED, "refused")
    assert "no controller" in refused.message
    assert get(cp, "pod", "bare", "-n", ns)["metadata"]["name"] == "bare"


async def test_delete_pod_with_a_grace_period_removes_it(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": ns},
               "spec": {"containers": [{"name": "c", "image": IMAGE}]}}])  # fmt: skip
    out = await runner.run("delete_pod", ref("Pod", ns, "bare"), {"grace_period_s": 0})
    assert out.state is CommandState.SUCCEEDED, out
    await until(
        lambda: cp.kubectl("get", "pod", "bare", "-n", ns, check=False).returncode != 0,
        "the pod gone",
    )


async def test_describe_returns_the_redacted_object_and_logs_return_content(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    app = {"name": "app", "image": IMAGE, "env": [{"name": "PASSWORD", "value": "hunter2"}]}
    # Logs go apiserver -> kwok at the node's address: pin the pod to a schedulable node that
    # has one (other tests create nodes, or stop heartbeats, that leave a node without).
    host = next(
        n["metadata"]["name"]
        for n in get(cp, "nodes")["items"]
        if n["status"].get("addresses")
        and not n["spec"].get("unschedulable")
        and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in n["status"].get("conditions", [])
        )
    )
    cp.apply([deployment(ns, "web", containers=[app], nodeName=host)])
    await until(lambda: len(running_pods(cp, ns, "web")) == 1, "web pod")
    out = await runner.run("describe", ref("Deployment", ns, "web"))
    assert out.state is CommandState.SUCCEEDED, out
    raw = out.result_json
    assert b"hunter2" not in raw and b"managedFields" not in raw
    described = orjson.loads(raw)
    assert described["object"]["metadata"]["name"] == "web"
    assert isinstance(described["events"], list) and described["events"]  # ScalingReplicaSet

    [pod] = running_pods(cp, ns, "web")
    logs = await runner.run("pod_logs", ref("Pod", ns, pod["metadata"]["name"]), {"tail_lines": 10})
    assert logs.state is CommandState.SUCCEEDED, logs
    result = orjson.loads(logs.result_json)
    # kwok serves every container the same 20-line CRI log (kwok_setup): the last ten, as text.
    assert result["text"].splitlines() == [f"INFO line {i}" for i in range(10, 20)]
    assert result["bytes"] == len(result["text"].encode())


async def test_api_errors_come_back_as_structured_failures(
    k8s_cluster: ControlPlane, k8s_namespace: str, runner: Runner
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.kubectl("create", "secret", "generic", "creds", "-n", ns, "--from-literal=k=v")
    forbidden = await runner.run("describe", ref("Secret", ns, "creds"))
    assert (forbidden.state, forbidden.error_code) == (CommandState.FAILED, "forbidden")
    assert 'secrets "creds" is forbidden' in forbidden.message
    assert "Traceback" not in forbidden.message
    missing = await runner.run("scale", ref("Deployment", ns, "ghost"), {"replicas": 2})
    assert (missing.state, missing.error_code) == (CommandState.FAILED, "not_found")
    assert 'deployments.apps "ghost" not found' in missing.message


async def test_policy_refusal_leaves_the_cluster_untouched(
    k8s_cluster: ControlPlane, k8s_namespace: str
) -> None:
    cp, ns = k8s_cluster, k8s_namespace
    cp.apply([deployment(ns, "web")])
    policy = PolicySettings(allowed_namespaces=["somewhere-else"])
    async with running_executor(cp.agent_kubeconfig, policy) as runner:
        out = await runner.run("scale", ref("Deployment", ns, "web"), {"replicas": 4})
    assert (out.state, out.error_code) == (CommandState.FAILED, "forbidden_by_policy")
    assert out.message.startswith("forbidden by agent policy:")
    assert get(cp, "deployment", "web", "-n", ns)["spec"]["replicas"] == 1
