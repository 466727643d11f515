"""The agent's commands against both backends ("kube" and "sim"): the executor runs them with
the agent's own identity (the backend's agent kubeconfig) and the outcome is read back with the
admin identity. If kubesim answers a command differently from Kubernetes, a test here fails, so
the demo's commands behave like real ones.

Covered: scale, cordon/uncordon, delete_pod, and dry-run. Every case passes on both backends;
the rest of the command suite (drain through PDBs, rollout restart, rollback, logs, describe)
is proven against the real control plane only, in ``tests/k8s/test_commands.py``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from backends import Backend, wait_for
from kubernetes import client
from workloads import deployment, pods_of, running_ready

from agent.executor.kubeapi import Kube
from agent.executor.running import Executor
from agent.executor.settings import PolicySettings
from agent.kube import KubeAccess
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.domain.commands import Command, CommandState, CommandUpdate
from shared.domain.refs import ObjectRef


class Runner:
    """Submits one command to a real executor and returns its final update from the outbox."""

    def __init__(self, executor: Executor, outbox: Outbox) -> None:
        self.executor = executor
        self.outbox = outbox

    def _final(self, cid: str) -> CommandUpdate | None:
        for r in self.outbox.after(0, 100_000):
            body = r.body
            if isinstance(body, CommandUpdate) and body.command_id == cid and body.state.terminal:
                return body
        return None

    async def run(
        self, type_: str, target: ObjectRef, params: dict[str, Any] | None = None, **kw: Any
    ) -> CommandUpdate:
        cid = uuid.uuid4().hex
        self.executor.submit(
            Command(
                id=cid,
                type=type_,
                target=target,
                params_json=orjson.dumps(params or {}),
                deadline_ms=now_ms() + 60_000,
                **kw,
            )
        )
        async with asyncio.timeout(60):
            while (out := self._final(cid)) is None:
                await self.outbox.wait_beyond(self.outbox.last_seq, 1.0)
        return out


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    access = KubeAccess.from_files(
        kubeconfig=backend.agent_kubeconfig, context=backend.agent_context
    )
    outbox = Outbox(max_records=100_000)
    executor = Executor(kube=Kube(access.api_client), outbox=outbox, policy=PolicySettings())
    stop = asyncio.Event()
    task = asyncio.create_task(executor.run(stop))
    yield Runner(executor, outbox)
    stop.set()
    await asyncio.wait_for(task, 10)
    await asyncio.to_thread(access.api_client.close)
    outbox.close()


async def settled(check: Any, what: str) -> Any:
    """``backends.wait_for`` off the event loop, so the executor keeps running meanwhile."""
    return await asyncio.to_thread(wait_for, check, timeout=60, what=what)


def pod_ref(ns: str, name: str) -> ObjectRef:
    return ObjectRef(kind="Pod", namespace=ns, name=name)


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
