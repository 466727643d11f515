"""describe and pod_logs on both backends ("kube" and "sim"): the redacted object with the
events its controller recorded, and log slices with the query parameters the API server and the
kubelet honour (and the 400s they answer). See ``test_commands_contract`` for the whole
suite's map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from kubernetes import client

from shared.domain.commands import CommandState, CommandUpdate
from shared.domain.refs import ObjectRef
from tests.contract.backends import Backend
from tests.contract.commands_runner import agent_executor, pod_ref, settled
from tests.contract.workloads import IMAGE, deployment, ready_node_with_address, running_ready
from tests.k8s.executor_runner import Runner


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


async def test_describe_returns_the_redacted_object_and_the_controllers_events(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    app = {"name": "app", "image": IMAGE, "env": [{"name": "PASSWORD", "value": "hunter2"}]}
    apps.create_namespaced_deployment(ns, deployment("web", 1, containers=[app]))
    await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    out = await runner.run("describe", ObjectRef(kind="Deployment", namespace=ns, name="web"))
    assert out.state is CommandState.SUCCEEDED, out
    assert b"hunter2" not in out.result_json and b"managedFields" not in out.result_json
    described = orjson.loads(out.result_json)
    assert described["object"]["metadata"]["name"] == "web"
    assert described["object"]["spec"]["replicas"] == 1
    scaling = [e for e in described["events"] if e["reason"] == "ScalingReplicaSet"]
    assert scaling, described["events"]
    assert scaling[0]["type"] == "Normal"
    assert scaling[0]["message"].startswith("Scaled up replica set web-"), scaling


def _text(update: CommandUpdate) -> str:
    assert update.state is CommandState.SUCCEEDED, update
    text: str = orjson.loads(update.result_json)["text"]
    return text


async def test_pod_logs_honour_tail_container_since_and_previous(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    # Logs go API server -> kubelet (kwok) at the node's address: pin to a node that has one.
    containers = [{"name": "app", "image": IMAGE}, {"name": "sidecar", "image": "proxy:1"}]
    host = {"kubernetes.io/hostname": ready_node_with_address(core)}
    apps.create_namespaced_deployment(
        ns, deployment("web", 1, containers=containers, node_selector=host)
    )
    [pod] = await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    target = pod_ref(ns, pod.metadata.name)

    full = _text(await runner.run("pod_logs", target, {"container": "app"}))
    assert full.count("\n") >= 5, full
    tail = _text(await runner.run("pod_logs", target, {"container": "app", "tail_lines": 5}))
    assert tail.count("\n") == 5 and full.endswith(tail.split("\n", 1)[1]), (tail, full)
    assert _text(await runner.run("pod_logs", target, {"container": "sidecar", "tail_lines": 1}))

    def started_long_ago() -> Any:
        p = core.read_namespaced_pod(pod.metadata.name, ns)
        started = p.status.container_statuses[0].state.running.started_at
        return (datetime.now(UTC) - started).total_seconds() > 3

    await settled(started_long_ago, "the container running for a few seconds")
    recent = _text(await runner.run("pod_logs", target, {"container": "app", "since_s": 1}))
    assert len(recent) < len(full), (recent, full)  # the start-up lines are older than 1 s

    # The API server's own validation, in its own words.
    unnamed = await runner.run("pod_logs", target)
    assert (unnamed.state, unnamed.error_code) == (CommandState.FAILED, "bad_request"), unnamed
    assert (
        f"a container name must be specified for pod {pod.metadata.name}, "
        "choose one of: [app sidecar]"
    ) in unnamed.message
    wrong = await runner.run("pod_logs", target, {"container": "nope"})
    assert (wrong.state, wrong.error_code) == (CommandState.FAILED, "bad_request"), wrong
    assert f"container nope is not valid for pod {pod.metadata.name}" in wrong.message
    # A container that never restarted has no previous log: a 400 from the kubelet (whose
    # wording kwok does not copy, so only the code is compared).
    prev = await runner.run("pod_logs", target, {"container": "app", "previous": True})
    assert (prev.state, prev.error_code) == (CommandState.FAILED, "bad_request"), prev
