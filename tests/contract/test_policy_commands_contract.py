"""The agent's own policy on both backends ("kube" and "sim"), with the agent's identity: the
refusals a compromised master meets (``tests/integration/commands/test_compromised_master``
drives them through the real master) hold against the real API server too, where templates
come back defaulted and ReplicaSets carry the revisions. Every case reads the template back
(its status and resourceVersion move on with the controllers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from kubernetes import client

from agent.executor.settings import PolicySettings
from shared.domain.commands import CommandState
from shared.domain.refs import ObjectRef
from tests.contract.backends import Backend
from tests.contract.commands_runner import agent_executor, settled
from tests.contract.workloads import IMAGE, deployment
from tests.k8s.executor_runner import Runner, running_executor

REVISION = "deployment.kubernetes.io/revision"


@pytest.fixture
async def runner(backend: Backend) -> AsyncIterator[Runner]:
    async with agent_executor(backend) as r:
        yield r


def _revision(apps: client.AppsV1Api, ns: str, name: str) -> str | None:
    annotations = apps.read_namespaced_deployment(name, ns).metadata.annotations or {}
    value: str | None = annotations.get(REVISION)
    return value


async def test_a_rollback_to_a_privileged_revision_is_refused(
    runner: Runner, apps: client.AppsV1Api, ns: str
) -> None:
    privileged: list[dict[str, Any]] = [
        {
            "name": "main",
            "image": IMAGE,
            "securityContext": {"privileged": True},
            "volumeMounts": [{"name": "host", "mountPath": "/host"}],
        }
    ]
    host = [{"name": "host", "hostPath": {"path": "/"}}]
    apps.create_namespaced_deployment(ns, deployment("web", 1, containers=privileged, volumes=host))
    await settled(lambda: _revision(apps, ns, "web") == "1", "revision 1")
    safe = [{"name": "main", "image": "registry.local/app:2.0"}]
    apps.patch_namespaced_deployment(
        "web",
        ns,
        [  # a JSON patch: the containers list replaced whole, the host volume gone
            {"op": "replace", "path": "/spec/template/spec/containers", "value": safe},
            {"op": "remove", "path": "/spec/template/spec/volumes"},
        ],
    )
    await settled(lambda: _revision(apps, ns, "web") == "2", "revision 2")
    before = apps.read_namespaced_deployment("web", ns)

    target = ObjectRef(kind="Deployment", namespace=ns, name="web")
    out = await runner.run("rollback", target, {"revision": 1})
    assert (out.state, out.error_code) == (CommandState.FAILED, "forbidden_by_policy"), out
    assert "would change the pod template's volumes" in out.message
    assert "container 'containers/main' securityContext" in out.message
    after = apps.read_namespaced_deployment("web", ns)
    assert after.spec.template.to_dict() == before.spec.template.to_dict()
    assert after.spec.template.spec.volumes is None
    assert after.metadata.annotations[REVISION] == "2"


async def test_set_image_keeps_to_the_workloads_sources_and_to_unprotected_namespaces(
    backend: Backend, runner: Runner, apps: client.AppsV1Api, ns: str
) -> None:
    apps.create_namespaced_deployment(ns, deployment("web", 1))
    target = ObjectRef(kind="Deployment", namespace=ns, name="web")
    before = apps.read_namespaced_deployment("web", ns).spec.template.to_dict()
    foreign = await runner.run("set_image", target, {"container": "main", "image": "evil.io/x:1"})
    assert (foreign.state, foreign.error_code) == (CommandState.FAILED, "image_not_allowed")
    assert "image source 'evil.io' is not one this workload already pulls from" in foreign.message
    # The same command in the agent's own namespace: protected, refused before any call.
    own = PolicySettings(agent_namespace=ns)
    async with running_executor(backend.agent_kubeconfig, own, context=backend.agent_context) as r:
        same = {"container": "main", "image": "registry.local/app:2.0"}
        protected = await r.run("set_image", target, same)
    assert (protected.state, protected.error_code) == (CommandState.FAILED, "forbidden_by_policy")
    assert f"namespace {ns!r} is protected" in protected.message
    assert apps.read_namespaced_deployment("web", ns).spec.template.to_dict() == before
