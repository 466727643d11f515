"""Commands against kubesim alone, where the contract with the real control plane cannot be
compared because kwok (the kubelet of the "kube" backend) serves one fixed log file: the
previous log of a crash-looping container, the size cap, a pod with no node yet."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest
from kubernetes import client

from shared.domain.commands import CommandState
from tests.contract.backends import Backend
from tests.contract.commands_runner import agent_executor, pod_ref, settled
from tests.contract.workloads import FAULT, deployment, pods_of
from tests.k8s.executor_runner import Runner

# Only the simulator: overrides the ``backend`` fixture's two params (conftest) for this module.
pytestmark = pytest.mark.parametrize("backend", ["sim"], indirect=True)


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


async def test_previous_log_of_a_crash_looping_container_ends_with_how_it_died(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("bad", 1, labels={FAULT: "crashloop"}))

    def restarted_twice() -> str | None:
        pods = pods_of(core, ns, "bad")
        cs = pods[0].status.container_statuses if pods else None
        return pods[0].metadata.name if cs and cs[0].restart_count >= 2 else None

    name = await settled(restarted_twice, "restartCount >= 2")
    out = await runner.run("pod_logs", pod_ref(ns, name), {"previous": True})
    assert out.state is CommandState.SUCCEEDED, out
    lines = orjson.loads(out.result_json)["text"].splitlines()
    assert "FATAL" in lines[-1] and "panic" in lines[-1], lines
    assert "starting" in lines[0]


async def test_size_cap_truncates_a_long_log_and_says_so(
    runner: Runner, core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_pod(
        ns, {"metadata": {"name": "chatty"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    )
    await settled(
        lambda: (
            core.read_namespaced_pod("chatty", ns).status.phase == "Running"
            and len(core.read_namespaced_pod_log("chatty", ns)) > 1024
        ),
        "the pod Running and its log past 1 KiB",
    )
    out = await runner.run(
        "pod_logs", pod_ref(ns, "chatty"), {"tail_lines": 10_000, "limit_bytes": 1024}
    )
    assert out.state is CommandState.SUCCEEDED, out
    result = orjson.loads(out.result_json)
    assert (result["bytes"], result["truncated"]) == (1024, True)
    whole = await runner.run("pod_logs", pod_ref(ns, "chatty"), {"tail_lines": 3})
    assert orjson.loads(whole.result_json)["truncated"] is False


async def test_logs_of_a_pod_without_a_node_are_the_api_servers_400(
    runner: Runner, core: client.CoreV1Api, ns: str
) -> None:
    spec = {"containers": [{"name": "c", "image": "x"}], "nodeSelector": {"no": "such-node"}}
    core.create_namespaced_pod(ns, {"metadata": {"name": "stuck"}, "spec": spec})
    out = await runner.run("pod_logs", pod_ref(ns, "stuck"))
    assert (out.state, out.error_code) == (CommandState.FAILED, "bad_request"), out
    assert "pod stuck does not have a host assigned" in out.message


async def test_logs_of_a_container_that_cannot_pull_its_image_are_the_kubelets_400(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("pull", 1, labels={FAULT: "imagepull"}))

    def backing_off() -> str | None:
        pods = pods_of(core, ns, "pull")
        cs = pods[0].status.container_statuses if pods else None
        waiting = cs and cs[0].state.waiting
        return pods[0].metadata.name if waiting and waiting.reason == "ImagePullBackOff" else None

    name = await settled(backing_off, "ImagePullBackOff")
    out = await runner.run("pod_logs", pod_ref(ns, name))
    assert (out.state, out.error_code) == (CommandState.FAILED, "bad_request"), out
    assert (
        f'container "main" in pod "{name}" is waiting to start: trying and failing' in out.message
    )
