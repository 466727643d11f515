"""Failure states on the real control plane reach the master as findings, through the real
agent pipeline and link, and resolve when fixed; an agent restart leaves no duplicates and
closes what cleared while it was down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config

from agent.app import AgentCore
from agent.detect.settings import DetectSettings
from agent.kubeapi.transport import KubeAccess
from agent.sources.running import run_sources
from agent.sources.settings import SourcesSettings
from master.datahub.cluster import ClusterState
from tests.harness import (
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_master,
)
from tests.k8s.controlplane import ControlPlane

pytestmark = pytest.mark.k8s

# Short durations so "unavailable for longer than X" fires within the test.
DETECT = DetectSettings(unavailable_after_s=5, pod_not_ready_after_s=5)


@pytest.fixture
def apis(k8s_cluster: ControlPlane) -> Iterator[tuple[client.CoreV1Api, client.AppsV1Api]]:
    api = config.new_client_from_config(str(k8s_cluster.admin_kubeconfig))
    yield client.CoreV1Api(api), client.AppsV1Api(api)
    api.close()


@asynccontextmanager
async def agent(cp: ControlPlane, ns: str, address: str, token: str) -> AsyncIterator[AgentCore]:
    """The agent's real parts: sources + detectors + mirror/outbox + uplink (agent identity)."""
    core = AgentCore(agent_settings("edge", token, address))
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=cp.agent_kubeconfig)
    stop = asyncio.Event()
    sources = SourcesSettings(namespaces_include=[ns], recheck_interval_s=1)
    async with access:
        tasks = [
            asyncio.create_task(core.uplink.run(stop)),
            asyncio.create_task(
                run_sources(
                    sources,
                    kube=access,
                    mirror=core.mirror,
                    outbox=core.outbox,
                    detect_settings=DETECT,
                    stop=stop,
                )
            ),
        ]
        try:
            yield core
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            core.close()


def _pod(name: str, fault: str | None) -> dict[str, Any]:
    labels = {"app": name} | ({"lookout.test/fault": fault} if fault else {})
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "registry.local/app:1"}]},
    }


async def _wait_ready(core: client.CoreV1Api, node: str) -> None:
    async with asyncio.timeout(120):
        while True:
            obj = await asyncio.to_thread(core.read_node, node)
            conds = {c.type: c.status for c in (obj.status.conditions or [])}
            if conds.get("Ready") == "True":
                return
            await asyncio.sleep(0.5)


async def _warning(core: client.CoreV1Api, ns: str) -> dict[str, Any]:
    pod = await asyncio.to_thread(core.read_namespaced_pod, "oom", ns)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "metadata": {"name": f"oom.{uuid.uuid4().hex[:8]}"},
        "involvedObject": {
            "kind": "Pod", "namespace": ns, "name": "oom", "uid": pod.metadata.uid,
            "apiVersion": "v1",
        },
        "reason": "FailedMount", "type": "Warning", "count": 3,
        "message": 'MountVolume.SetUp failed for volume "config": configmap "app" not found',
        "firstTimestamp": now, "lastTimestamp": now, "source": {"component": "kubelet"},
    }  # fmt: skip


def _crash_loops(state: ClusterState, pod: str) -> set[str]:
    return {
        fp
        for fp, f in state.findings.items()
        if f.reason == "CrashLoopBackOff" and f.subject.kind == "Pod" and f.subject.name == pod
    }


def _reasons(state: ClusterState, kind: str, name: str) -> set[str]:
    return {
        f.reason
        for f in state.findings.values()
        if f.subject.kind == kind and f.subject.name == name
    }


async def test_failures_reach_the_master_and_resolve_when_fixed(
    tmp_path: Path,
    k8s_cluster: ControlPlane,
    k8s_namespace: str,
    apis: tuple[client.CoreV1Api, client.AppsV1Api],
) -> None:
    core, apps = apis
    ns = k8s_namespace
    node = f"sick-{uuid.uuid4().hex[:6]}"
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m, agent(k8s_cluster, ns, m.address, token):
        state = m.master.hub.cluster("edge")
        assert state is not None
        for name, fault in (("crash", "crashloop"), ("oom", "oomkilled"), ("pull", "imagepull")):
            await asyncio.to_thread(core.create_namespaced_pod, ns, _pod(name, fault))
        # A node that comes up Ready, then stops heartbeating (the kwok stage for a lost kubelet).
        await asyncio.to_thread(core.create_node, {"metadata": {"name": node}})
        await _wait_ready(core, node)
        await asyncio.to_thread(
            core.patch_node, node, {"metadata": {"labels": {"lookout.test/heartbeat": "stopped"}}}
        )
        deploy = {
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": _pod("web", "crashloop")
                | {"metadata": {"labels": {"app": "web", "lookout.test/fault": "crashloop"}}},
            },
        }
        await asyncio.to_thread(apps.create_namespaced_deployment, ns, deploy)
        created_node = True
        try:
            await eventually(lambda: "CrashLoopBackOff" in _reasons(state, "Pod", "crash"), 120)
            await eventually(lambda: "OOMKilled" in _reasons(state, "Pod", "oom"), 120)
            # ErrImagePull and ImagePullBackOff are one finding (agent/detect/rules.py ALIASES).
            await eventually(lambda: "ImagePullBackOff" in _reasons(state, "Pod", "pull"), 120)
            await eventually(lambda: "NodeNotReady" in _reasons(state, "Node", node), 120)
            await eventually(
                lambda: "DeploymentUnavailable" in _reasons(state, "Deployment", "web"), 120
            )
            crash_fp = {f.fingerprint for f in state.findings.values() if f.subject.name == "crash"}
            # A Warning event about a pod (kwok's kubelet emits none, so the test posts what a
            # kubelet would) becomes a finding with that pod as its subject.
            await asyncio.to_thread(core.create_namespaced_event, ns, await _warning(core, ns))
            await eventually(lambda: "FailedMount" in _reasons(state, "Pod", "oom"), 120)

            # Fixes: the pods go away, the node is removed, the deployment scales to zero.
            for name in ("crash", "oom", "pull"):
                await asyncio.to_thread(
                    core.delete_namespaced_pod, name, ns, grace_period_seconds=0
                )
            await asyncio.to_thread(core.delete_node, node)
            created_node = False
            await asyncio.to_thread(
                apps.patch_namespaced_deployment_scale, "web", ns, {"spec": {"replicas": 0}}
            )
            # The state-based findings resolve, and so does the Warning event about a deleted
            # pod (well inside the event's freshness window): the agent knows the pod is gone.
            fixed = (
                ("Pod", "crash", {"CrashLoopBackOff", "RestartStorm"}),
                # FailedMount: the event is fresh for 10 minutes, but its pod is gone.
                ("Pod", "oom", {"OOMKilled", "CrashLoopBackOff", "FailedMount"}),
                ("Pod", "pull", {"ImagePullBackOff"}),
                ("Node", node, {"NodeNotReady"}),
                ("Deployment", "web", {"DeploymentUnavailable"}),
            )
            for kind, name, reasons in fixed:
                await eventually(
                    lambda k=kind, n=name, r=reasons: not (_reasons(state, k, n) & r),
                    120,
                    f"{kind} {name} resolved",
                )
            assert crash_fp  # the crash loop had a stable identity while it lasted
        finally:
            if created_node:  # nodes are cluster-scoped: never leave one behind for other tests
                await asyncio.to_thread(core.delete_node, node)


async def test_agent_restart_keeps_one_finding_and_closes_what_cleared_meanwhile(
    tmp_path: Path,
    k8s_cluster: ControlPlane,
    k8s_namespace: str,
    apis: tuple[client.CoreV1Api, client.AppsV1Api],
) -> None:
    core, _ = apis
    ns = k8s_namespace
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        state = m.master.hub.cluster("edge")
        assert state is not None
        for name in ("stays", "heals"):
            await asyncio.to_thread(core.create_namespaced_pod, ns, _pod(name, "crashloop"))
        async with agent(k8s_cluster, ns, m.address, token):
            await eventually(lambda: "CrashLoopBackOff" in _reasons(state, "Pod", "stays"), 120)
            await eventually(lambda: "CrashLoopBackOff" in _reasons(state, "Pod", "heals"), 120)
        before = _crash_loops(state, "stays")
        assert len(before) == 1
        # While no agent runs, one problem goes away.
        await asyncio.to_thread(core.delete_namespaced_pod, "heals", ns, grace_period_seconds=0)
        async with agent(k8s_cluster, ns, m.address, token) as second:
            await eventually(lambda: second.uplink.sessions >= 1)
            await eventually(lambda: not _crash_loops(state, "heals"), 120, "stale one closed")
            # Same fingerprint after the restart: one active finding, not two.
            assert _crash_loops(state, "stays") == before
