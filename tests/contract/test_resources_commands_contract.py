"""set_resources on both backends ("kube" and "sim"): the diff it reports, a dry run that
keeps nothing, a real run whose new ReplicaSet's pods carry the new limit, and the refusals
that come before any write (request above limit, unknown container, a resource it may not
set). See ``test_commands_contract`` for the whole suite's map."""

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
from tests.contract.workloads import IMAGE, deployment, running_ready
from tests.k8s.executor_runner import Runner

BEFORE = {"limits": {"memory": "128Mi"}, "requests": {"cpu": "50m", "memory": "64Mi"}}
SIDECAR = {"name": "sidecar", "image": "proxy:1", "resources": {"limits": {"memory": "32Mi"}}}


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


async def _web(core: client.CoreV1Api, apps: client.AppsV1Api, ns: str) -> ObjectRef:
    """A Deployment "web" of one Running pod: container "app" with ``BEFORE``, and a sidecar."""
    app = {"name": "app", "image": IMAGE, "resources": BEFORE}
    apps.create_namespaced_deployment(ns, deployment("web", 1, containers=[app, SIDECAR]))
    await settled(lambda: running_ready(core, ns, "web", 1), "1 Running pod")
    return ObjectRef(kind="Deployment", namespace=ns, name="web")


def _resources(apps: client.AppsV1Api, ns: str) -> dict[str, Any]:
    """The template's containers' resources by name, as the server stores them."""
    dep = apps.read_namespaced_deployment("web", ns)
    return {
        c.name: apps.api_client.sanitize_for_serialization(c.resources)
        for c in dep.spec.template.spec.containers
    }


async def test_a_dry_run_reports_the_diff_and_keeps_nothing(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    target = await _web(core, apps, ns)
    version = apps.read_namespaced_deployment("web", ns).metadata.resource_version
    out = await runner.run(
        "set_resources", target, {"container": "app", "limits": {"memory": "256Mi"}}, dry_run=True
    )
    assert out.state is CommandState.SUCCEEDED, out
    assert orjson.loads(out.result_json) == {
        "container": "app",
        "before": BEFORE,
        "after": {**BEFORE, "limits": {"memory": "256Mi"}},
        "changed": True,
        "dry_run": True,
    }
    dep = apps.read_namespaced_deployment("web", ns)
    assert dep.metadata.resource_version == version
    assert _resources(apps, ns)["app"] == BEFORE
    assert len(apps.list_namespaced_replica_set(ns).items) == 1


async def test_a_run_changes_the_template_and_the_new_replicasets_pods_carry_the_limit(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    target = await _web(core, apps, ns)
    params = {"container": "app", "limits": {"memory": "256Mi"}, "requests": {"memory": "96Mi"}}
    out = await runner.run("set_resources", target, params)
    assert out.state is CommandState.SUCCEEDED, out
    after = {"limits": {"memory": "256Mi"}, "requests": {"cpu": "50m", "memory": "96Mi"}}
    result = orjson.loads(out.result_json)
    assert (result["after"], result["changed"], result["dry_run"]) == (after, True, False)
    assert _resources(apps, ns) == {"app": after, "sidecar": SIDECAR["resources"]}
    await settled(
        lambda: len(apps.list_namespaced_replica_set(ns).items) == 2, "a second ReplicaSet"
    )

    def rolled() -> list[Any] | None:
        now = running_ready(core, ns, "web", 1)
        limits = now and {c.name: c.resources.limits for c in now[0].spec.containers}
        return (
            now if limits == {"app": {"memory": "256Mi"}, "sidecar": {"memory": "32Mi"}} else None
        )

    await settled(rolled, "the pod replaced by one with the new memory limit")
    again = await runner.run(
        "set_resources", target, {"container": "app", "limits": {"memory": "0.25Gi"}}
    )
    assert again.state is CommandState.SUCCEEDED, again
    # The same amount spelled otherwise: no write, so no third ReplicaSet.
    assert orjson.loads(again.result_json)["changed"] is False
    assert len(apps.list_namespaced_replica_set(ns).items) == 2


# What is refused after the read and before any write; the last is what only a compromised
# master sends (its API refuses it with a 422): the agent validates the params itself.
REFUSALS = [
    ({"container": "app", "requests": {"memory": "1Gi"}}, "invalid",
     "the memory request 1Gi would be above its limit 128Mi"),
    ({"container": "app", "limits": {"memory": "32Mi"}}, "invalid",
     "the memory request 64Mi would be above its limit 32Mi"),
    ({"container": "nope", "limits": {"cpu": "1"}}, "not_found", "containers: app, sidecar"),
    ({"container": "app", "limits": {"nvidia.com/gpu": "8"}}, "invalid_params",
     "'nvidia.com/gpu' cannot be set"),
]  # fmt: skip


async def test_a_request_above_its_limit_an_unknown_container_or_resource_write_nothing(
    runner: Runner, core: client.CoreV1Api, apps: client.AppsV1Api, ns: str
) -> None:
    target = await _web(core, apps, ns)
    version = apps.read_namespaced_deployment("web", ns).metadata.resource_version
    for params, code, text in REFUSALS:
        out = await runner.run("set_resources", target, params)
        assert (out.state, out.error_code) == (CommandState.FAILED, code), (params, out)
        assert text in out.message, (params, out)
    assert apps.read_namespaced_deployment("web", ns).metadata.resource_version == version
