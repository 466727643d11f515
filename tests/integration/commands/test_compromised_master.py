"""A compromised master (or anyone holding the API token) cannot take over a cluster.

The real master over real gRPC, a real agent (uplink and executor with the default policy, as
the chart installs it, in the namespace ``lookout``) and a real Kubernetes API (kubesim,
in-process). The attacker asks through the master's HTTP API what the API accepts (set_image
into kube-system or to an image of their own, a rollback to a privileged revision), and puts
on the link what the API would refuse (empty namespaces, traversal names), as a master whose
checks are gone would. Each attempt is refused by the agent with a clear code, and every
object is read back unchanged."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from agent.app import AgentCore
from agent.executor.client import MERGE, Kube
from agent.kubeapi.paths import collection_path, object_path
from agent.kubeapi.transport import KubeAccess
from kubesim.cluster import SimCluster
from kubesim.config import SimConfig
from shared.clock import now_ms
from shared.domain.commands import Command, CommandUpdate
from shared.domain.refs import ObjectRef
from shared.kinds import kind
from tests.harness import (
    RunningMaster,
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_master,
)
from tests.integration.commands.conftest import api

CLUSTER = "edge"
AGENT_NS = "lookout"  # where the chart would install the agent (the downward API says so)
REVISION = "deployment.kubernetes.io/revision"
DNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.11.1"


@dataclass
class Rig:
    master: RunningMaster
    http: httpx.AsyncClient
    admin: Kube  # the cluster owner's own access, to set up and read back
    core: AgentCore

    async def ask(self, body: dict[str, Any]) -> dict[str, Any]:
        """What an API-token holder can do: POST a command and wait for its outcome."""
        r = await self.http.post(f"/api/v1/clusters/{CLUSTER}/commands", json=body)
        assert r.status_code == 202, r.text
        cid = r.json()["id"]
        r = await self.http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 30})
        done: dict[str, Any] = r.json()
        assert done["terminal"], done
        return done

    async def send_raw(
        self, type_: str, target: ObjectRef, params: dict[str, Any]
    ) -> CommandUpdate:
        """What a compromised master can do: put any command on the link."""
        cid = uuid.uuid4().hex
        command = Command(
            id=cid,
            type=type_,
            target=target,
            params_json=orjson.dumps(params),
            deadline_ms=now_ms() + 60_000,
        )
        assert self.master.master.link.registry.send(CLUSTER, command)

        def verdict() -> CommandUpdate | None:
            for rec in self.core.outbox.after(0, 100_000):
                body = rec.body
                if (
                    isinstance(body, CommandUpdate)
                    and body.command_id == cid
                    and body.state.terminal
                ):
                    return body
            return None

        await eventually(lambda: verdict() is not None, what=f"the agent's verdict on {cid}")
        out = verdict()
        assert out is not None
        return out

    async def read(self, kind_name: str, namespace: str, name: str) -> dict[str, Any]:
        return await self.admin.json("GET", object_path(kind(kind_name), name, namespace=namespace))

    async def create(self, kind_name: str, namespace: str, body: dict[str, Any]) -> None:
        await self.admin.json("POST", collection_path(kind(kind_name), namespace), body=body)


def deployment(name: str, containers: list[dict[str, Any]], **pod: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": containers, **pod},
            },
        },
    }


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def images(obj: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["image"] for c in pod_spec(obj)["containers"]}


@contextlib.asynccontextmanager
async def kubesim(tmp_path: Path) -> AsyncIterator[SimCluster]:
    sim = SimCluster(SimConfig(name="t", nodes=2, pods=0, start_delay=0.0, incidents=False))
    ready = asyncio.Event()
    task = asyncio.create_task(sim.run(on_ready=lambda _c: ready.set()))
    try:
        await asyncio.wait_for(ready.wait(), timeout=30)
        yield sim
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, CLUSTER)
    async with contextlib.AsyncExitStack() as stack:
        sim = await stack.enter_async_context(kubesim(tmp_path))
        kubeconfig = sim.write_kubeconfig(tmp_path)
        admin_access = KubeAccess.from_files(kubeconfig=kubeconfig, context="admin")
        agent_access = KubeAccess.from_files(kubeconfig=kubeconfig, context="agent")
        await stack.enter_async_context(admin_access)
        await stack.enter_async_context(agent_access)
        m = await stack.enter_async_context(running_master(settings))
        http = await stack.enter_async_context(api(m))
        # The default policy, as the chart renders it (it passes the pod's namespace).
        agent = agent_settings(CLUSTER, token, m.address, policy={"agent_namespace": AGENT_NS})
        core = AgentCore(agent)
        stack.callback(core.close)
        core.executor.attach_kube(Kube(agent_access))
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(core.uplink.run(stop), name="uplink"),
            asyncio.create_task(core.executor.run(stop), name="executor"),
        ]

        async def stop_agent() -> None:
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 10)

        stack.push_async_callback(stop_agent)
        await eventually(core.uplink.connected.is_set, what="agent connected")
        rig = Rig(m, http, Kube(admin_access), core)
        await rig.create("Namespace", "", {"metadata": {"name": "shop"}})
        await rig.create(
            "Deployment",
            "kube-system",
            deployment("coredns", [{"name": "dns", "image": DNS_IMAGE}]),
        )
        await rig.create(
            "Deployment",
            AGENT_NS,
            deployment("lookout-agent", [{"name": "agent", "image": "ghcr.io/lookout-dev/a:1"}]),
        )
        web = [
            {"name": "app", "image": "registry.local/shop/web:1.0"},
            {"name": "proxy", "image": "envoyproxy/envoy:v1.30"},
        ]
        await rig.create("Deployment", "shop", deployment("web", web))
        yield rig


def refused(done: dict[str, Any], code: str, text: str) -> None:
    assert (done["state"], done["error_code"]) == ("failed", code), done
    assert text in done["message"], done["message"]


async def test_mutating_commands_in_protected_namespaces_are_refused_and_change_nothing(
    rig: Rig,
) -> None:
    dns = {"kind": "Deployment", "namespace": "kube-system", "name": "coredns"}
    same_registry = "registry.k8s.io/coredns/coredns:v1.11.3"
    attempts = [
        {"type": "set_image", "target": dns,
         "params": {"container": "dns", "image": same_registry}},
        {"type": "rollout_restart", "target": dns},
        {"type": "scale", "target": dns, "params": {"replicas": 5}},
        {"type": "set_image",
         "target": {"kind": "Deployment", "namespace": AGENT_NS, "name": "lookout-agent"},
         "params": {"container": "agent", "image": "ghcr.io/lookout-dev/a:2"}},
    ]  # fmt: skip
    before = {
        "dns": await rig.read("Deployment", "kube-system", "coredns"),
        "agent": await rig.read("Deployment", AGENT_NS, "lookout-agent"),
    }
    for body in attempts:
        ns = body["target"]["namespace"]
        refused(await rig.ask(body), "forbidden_by_policy", f"namespace {ns!r} is protected")
    after = {
        "dns": await rig.read("Deployment", "kube-system", "coredns"),
        "agent": await rig.read("Deployment", AGENT_NS, "lookout-agent"),
    }
    for key, obj in after.items():
        assert obj["spec"] == before[key]["spec"], key
        assert obj["metadata"]["resourceVersion"] == before[key]["metadata"]["resourceVersion"]
    # Reads stay possible there: the agent is alive and only mutations are refused.
    described = await rig.ask({"type": "describe", "target": dns})
    assert described["state"] == "succeeded", described


async def test_set_image_to_an_image_of_the_attackers_or_an_unknown_container_is_refused(
    rig: Rig,
) -> None:
    web = {"kind": "Deployment", "namespace": "shop", "name": "web"}
    before = await rig.read("Deployment", "shop", "web")
    for image, text in [
        ("evil.example.com/miner:1", "image source 'evil.example.com' is not one this workload"),
        ("attacker/miner:1", "image source 'docker.io/attacker' is not one this workload"),
    ]:
        done = await rig.ask(
            {"type": "set_image", "target": web, "params": {"container": "app", "image": image}}
        )
        refused(done, "image_not_allowed", text)
    unknown = await rig.ask(
        {"type": "set_image", "target": web,
         "params": {"container": "injected", "image": "registry.local/shop/web:2.0"}}
    )  # fmt: skip
    refused(unknown, "not_found", "has no container 'injected' (containers: app, proxy)")
    after = await rig.read("Deployment", "shop", "web")
    assert after["spec"] == before["spec"]
    # Within policy set_image still works, and changes exactly the one image.
    ok = await rig.ask(
        {"type": "set_image", "target": web,
         "params": {"container": "app", "image": "registry.local/shop/web:2.0"}}
    )  # fmt: skip
    assert ok["state"] == "succeeded", ok
    changed = await rig.read("Deployment", "shop", "web")
    assert images(changed) == {
        "app": "registry.local/shop/web:2.0",
        "proxy": "envoyproxy/envoy:v1.30",
    }
    before_spec = pod_spec(before)
    before_spec["containers"][0]["image"] = "registry.local/shop/web:2.0"
    assert pod_spec(changed) == before_spec


@pytest.mark.parametrize(
    ("target", "text"),
    [
        (ObjectRef(kind="Deployment", namespace="", name="coredns"),
         "a Deployment target needs a namespace"),
        (ObjectRef(kind="Deployment", namespace="shop", name="../../kube-system/x/coredns"),
         "is not a valid Kubernetes object name"),
        (ObjectRef(kind="Deployment", namespace="shop", name="a/b"),
         "target name 'a/b' is not a valid Kubernetes object name"),
        (ObjectRef(kind="Deployment", namespace="kube-system/..", name="coredns"),
         "target namespace 'kube-system/..' is not a valid Kubernetes namespace name"),
        (ObjectRef(kind="Deployment", namespace="..", name="coredns"),
         "target namespace '..' is not a valid Kubernetes namespace name"),
    ],
)  # fmt: skip
async def test_malformed_targets_put_on_the_link_are_refused_by_the_agent(
    rig: Rig, target: ObjectRef, text: str
) -> None:
    before = await rig.read("Deployment", "kube-system", "coredns")
    out = await rig.send_raw(
        "set_image", target, {"container": "dns", "image": "registry.k8s.io/evil:1"}
    )
    assert (out.state.value, out.error_code) == ("failed", "invalid_target"), out
    assert text in out.message, out.message
    after = await rig.read("Deployment", "kube-system", "coredns")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert images(after) == {"dns": DNS_IMAGE}


async def test_a_rollback_to_a_privileged_revision_is_refused_and_changes_nothing(
    rig: Rig,
) -> None:
    # Revision 1 was privileged with the node's / mounted; revision 2, current, is not.
    privileged = [
        {
            "name": "app",
            "image": "registry.local/shop/api:1",
            "securityContext": {"privileged": True},
            "volumeMounts": [{"name": "host", "mountPath": "/host"}],
        }
    ]
    await rig.create(
        "Deployment",
        "shop",
        deployment("api", privileged, volumes=[{"name": "host", "hostPath": {"path": "/"}}]),
    )
    path = object_path(kind("Deployment"), "api", namespace="shop")

    async def at_revision(n: str) -> bool:
        dep = await rig.read("Deployment", "shop", "api")
        return (dep["metadata"].get("annotations") or {}).get(REVISION) == n

    await _until(lambda: at_revision("1"), "revision 1")
    safe = {"containers": [{"name": "app", "image": "registry.local/shop/api:2"}], "volumes": None}
    await rig.admin.json(
        "PATCH", path, body={"spec": {"template": {"spec": safe}}}, content_type=MERGE
    )
    await _until(lambda: at_revision("2"), "revision 2")
    before = await rig.read("Deployment", "shop", "api")
    assert "volumes" not in pod_spec(before)

    target = {"kind": "Deployment", "namespace": "shop", "name": "api"}
    for params in ({"revision": 1}, {}):
        done = await rig.ask({"type": "rollback", "target": target, "params": params})
        refused(done, "forbidden_by_policy", "would change the pod template's volumes")
        assert "container 'containers/app' securityContext" in done["message"]
    after = await rig.read("Deployment", "shop", "api")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["annotations"][REVISION] == "2"


async def _until(check: Any, what: str, timeout: float = 30.0) -> None:
    """Wait until the coroutine function ``check`` returns True (bounded)."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():  # noqa: ASYNC110 -- polls the API server
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None
