"""drain on both backends ("kube" and "sim"): cordon, then evictions through the Eviction API
that a PodDisruptionBudget can hold back (429, retried until the drain's timeout), DaemonSet
pods skipped, emptyDir pods refused unless asked for. See ``test_commands_contract`` for the
whole suite's map."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest
from kubernetes import client

from shared.domain.commands import CommandState
from shared.domain.refs import ObjectRef
from tests.contract.backends import Backend
from tests.contract.commands_runner import agent_executor, settled
from tests.contract.workloads import FAULT, daemonset, deployment, node, on, pods_of, running_ready
from tests.k8s.executor_runner import Runner


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


@pytest.fixture
def own_node(core: client.CoreV1Api) -> Iterator[str]:
    # Sorts after the shared nodes, so tests that take the first node never pick this one.
    name = f"lookout-drain-{uuid.uuid4().hex[:6]}"
    core.create_node(node(name))
    yield name
    core.delete_node(name)


def _on_node(core: client.CoreV1Api, name: str, *, terminating: bool = False) -> list[str]:
    pods = core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={name}").items
    return sorted(
        p.metadata.labels["app"]
        for p in pods
        if terminating or p.metadata.deletion_timestamp is None
    )


async def test_drain_refuses_emptydir_evicts_through_pdbs_and_skips_daemonsets(
    backend: Backend,
    runner: Runner,
    core: client.CoreV1Api,
    apps: client.AppsV1Api,
    policy: client.PolicyV1Api,
    ns: str,
    own_node: str,
) -> None:
    backend.grant_agent(ns, group="", resource="pods/eviction", verbs=["create"])
    scratch = {"volumes": [{"name": "tmp", "emptyDir": {}}], **on(own_node)}
    apps.create_namespaced_deployment(ns, deployment("web", 2, **on(own_node)))
    apps.create_namespaced_deployment(ns, deployment("scratch", 1, **scratch))
    apps.create_namespaced_daemon_set(ns, daemonset("ds", **on(own_node)))
    policy.create_namespaced_pod_disruption_budget(
        ns,
        {
            "metadata": {"name": "web"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        },
    )
    web = await settled(lambda: running_ready(core, ns, "web", 2), "2 web pods on the node")
    await settled(lambda: running_ready(core, ns, "scratch", 1), "the emptyDir pod")
    await settled(lambda: running_ready(core, ns, "ds", 1), "the DaemonSet pod")
    await settled(
        lambda: (
            (s := policy.read_namespaced_pod_disruption_budget("web", ns).status)
            and s.current_healthy == 2
        ),
        "the PDB to count healthy pods",
    )
    target = ObjectRef(kind="Node", name=own_node)

    refused = await runner.run("drain", target, {"timeout_s": 3})
    assert (refused.state, refused.error_code) == (CommandState.FAILED, "refused"), refused
    report = orjson.loads(refused.result_json)
    assert [r["reason"] for r in report["refused"]] == ["uses emptyDir local storage"]
    assert not core.read_node(own_node).spec.unschedulable  # refused before touching anything

    blocked = await runner.run("drain", target, {"timeout_s": 10, "delete_emptydir": True})
    assert (blocked.state, blocked.error_code) == (CommandState.FAILED, "drain_incomplete")
    report = orjson.loads(blocked.result_json)
    assert [e["pod"].split("/")[1].split("-")[0] for e in report["evicted"]] == ["scratch"]
    held = [f for f in report["failed"] if "disruption budget" in f["reason"]]
    assert sorted(f["pod"] for f in held) == sorted(f"{ns}/{p.metadata.name}" for p in web)
    assert all("retried" in f["reason"] for f in held), report
    # The evicted emptyDir pod may still be terminating at the timeout on a busy machine.
    assert all(f in held or "still terminating" in f["reason"] for f in report["failed"])
    assert [s["reason"] for s in report["skipped"]] == ["DaemonSet-managed"]
    progress = [u for u in runner.updates(blocked.command_id) if not u.state.terminal]
    assert any("retrying" in u.message for u in progress), progress
    assert any(u.message.startswith("evicted ") for u in progress), progress
    assert core.read_node(own_node).spec.unschedulable is True
    assert len(running_ready(core, ns, "web", 2) or ()) == 2  # nothing deleted behind the PDB

    await settled(
        lambda: "scratch" not in _on_node(core, own_node, terminating=True),
        "the evicted emptyDir pod gone",
    )
    policy.delete_namespaced_pod_disruption_budget("web", ns)
    done = await runner.run("drain", target, {"timeout_s": 60, "delete_emptydir": True})
    assert done.state is CommandState.SUCCEEDED, done
    assert len(orjson.loads(done.result_json)["evicted"]) == 2
    # Evicted pods are gone; their replacements cannot come back to the cordoned node; the
    # DaemonSet pod tolerates the cordon and stays.
    await settled(lambda: _on_node(core, own_node) == ["ds"], "only the DaemonSet pod left")


async def test_drain_evicts_an_unready_pod_whose_budget_the_healthy_ones_already_meet(
    backend: Backend,
    runner: Runner,
    core: client.CoreV1Api,
    apps: client.AppsV1Api,
    policy: client.PolicyV1Api,
    ns: str,
    own_node: str,
) -> None:
    # The PDB's default unhealthyPodEvictionPolicy (IfHealthyBudget): a crash-looping pod does
    # not hold a drain up while the healthy pods alone satisfy the budget.
    backend.grant_agent(ns, group="", resource="pods/eviction", verbs=["create"])
    tier = {"tier": "t"}
    apps.create_namespaced_deployment(ns, deployment("good", 1, labels=tier, **on(own_node)))
    bad = deployment("bad", 1, labels={**tier, FAULT: "crashloop"}, **on(own_node))
    apps.create_namespaced_deployment(ns, bad)
    policy.create_namespaced_pod_disruption_budget(
        ns,
        {"metadata": {"name": "t"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": tier}}},
    )
    [good] = await settled(lambda: running_ready(core, ns, "good", 1), "the healthy pod")

    def crash_looping() -> str | None:
        pods = pods_of(core, ns, "bad")
        cs = pods[0].status.container_statuses if pods else None
        return pods[0].metadata.name if cs and cs[0].restart_count >= 1 else None

    looping = await settled(crash_looping, "the crash-looping pod")
    await settled(
        lambda: (
            (s := policy.read_namespaced_pod_disruption_budget("t", ns).status)
            and (s.expected_pods, s.current_healthy, s.disruptions_allowed) == (2, 1, 0)
        ),
        "the PDB counting one healthy pod of two",
    )
    out = await runner.run("drain", ObjectRef(kind="Node", name=own_node), {"timeout_s": 10})
    assert (out.state, out.error_code) == (CommandState.FAILED, "drain_incomplete"), out
    report = orjson.loads(out.result_json)
    assert [e["pod"] for e in report["evicted"]] == [f"{ns}/{looping}"], report
    held = [f["pod"] for f in report["failed"] if "disruption budget" in f["reason"]]
    assert held == [f"{ns}/{good.metadata.name}"], report
