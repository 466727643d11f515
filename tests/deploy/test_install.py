"""Both charts installed by real `helm` into the real test control plane (kube-apiserver + kwok;
images are never pulled): the API server accepts every object (NetworkPolicies and the spool
volume included), upgrades keep the agent's derived intake token,
uninstall leaves only the master's PVC, and the agent's ServiceAccount can do exactly what its
values allow (checked by the API server's own authorizer with a token of that ServiceAccount,
and by running the agent's real sources and command executor on that token).

Uses the control-plane fixtures of tests/k8s/fixtures.py (k8s_cluster with .admin_kubeconfig and
.bin_dir; k8s_namespace), which tests/deploy/conftest.py imports."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.detect.settings import DetectSettings
from agent.executor.settings import PolicySettings
from agent.kubeapi.errors import KubeStatusError
from agent.kubeapi.transport import KubeAccess
from agent.leader.election import Elector, LeaseApi, run_while_leading
from agent.leader.settings import LeaderElectionSettings
from agent.outbox.spool import Outbox
from agent.snapshot.mirror import Mirror
from agent.sources.registry import enabled_sources
from agent.sources.running import run_sources
from agent.sources.settings import SourcesSettings
from shared.domain.commands import CommandState
from shared.domain.refs import ObjectRef
from shared.domain.resources import SourceStatus
from tests.deploy.helmtool import AGENT_CHART, MASTER_CHART, Helm, value_args
from tests.k8s.executor_runner import executor_on

pytestmark = [pytest.mark.k8s]


class Kube:
    """kubectl against the test control plane, as admin or as a ServiceAccount (by its token)."""

    def __init__(self, cluster: Any, namespace: str, kubeconfig: Path | None = None) -> None:
        self.cluster, self.namespace = cluster, namespace
        self.kubeconfig = kubeconfig or Path(cluster.admin_kubeconfig)

    def as_token(self, token: str, path: Path) -> Kube:
        """Same server and CA as admin, but authenticated only by the bearer token (a client
        certificate left in the kubeconfig would win over it)."""
        config = yaml.safe_load(self.kubeconfig.read_text())
        context = (
            next(c for c in config["contexts"] if c["name"] == config.get("current-context"))
            if config.get("current-context")
            else config["contexts"][0]
        )
        cluster = next(c for c in config["clusters"] if c["name"] == context["context"]["cluster"])
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [cluster],
                    "users": [{"name": "sa", "user": {"token": token}}],
                    "contexts": [
                        {"name": "sa", "context": {"cluster": cluster["name"], "user": "sa"}}
                    ],
                    "current-context": "sa",
                }
            )
        )
        return Kube(self.cluster, self.namespace, path)

    def run(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(Path(self.cluster.bin_dir) / "kubectl")]
        argv += ["--kubeconfig", str(self.kubeconfig), "-n", self.namespace]
        proc = subprocess.run(
            [*argv, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)}: {proc.stderr}")
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout)

    def secret_data(self, name: str) -> dict[str, str]:
        return dict(self.json("get", "secret", name)["data"])

    def can(self, verb: str, resource: str, *extra: str) -> bool:
        out = self.run("auth", "can-i", verb, resource, *extra, check=False).stdout.strip()
        return out == "yes"

    def may(self, verb: str, group: str, resource: str) -> bool:
        """The authorizer's answer for a resource the server need not serve, cluster-wide:
        ``auth can-i`` resolves names through discovery and, for an unserved group such as
        metrics.k8s.io without metrics-server, asks about a group-less resource instead."""
        review = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource}},
        }
        out = self.run(
            "create", "--validate=false", "-o", "json", "-f", "-", stdin=json.dumps(review)
        ).stdout
        return bool(json.loads(out)["status"]["allowed"])


def ns_name(k8s_namespace: Any) -> str:
    return str(getattr(k8s_namespace, "name", k8s_namespace))


@pytest.fixture
def kube(k8s_cluster: Any, k8s_namespace: Any) -> Kube:
    return Kube(k8s_cluster, ns_name(k8s_namespace))


@pytest.fixture
def khelm(helm: Helm, k8s_cluster: Any) -> Helm:
    return helm.with_kubeconfig(Path(k8s_cluster.admin_kubeconfig))


def helm_install(
    khelm: Helm, verb: str, release: str, chart: Path, *, kube: Kube, sets: dict[str, str]
) -> None:
    khelm.run(
        verb, release, str(chart), "--namespace", kube.namespace, *value_args((), sets), timeout=180
    )


def leftovers(kube: Kube, release: str) -> set[str]:
    selector = f"app.kubernetes.io/instance={release}"
    namespaced = kube.run(
        "get",
        "deployments,daemonsets,services,secrets,configmaps,serviceaccounts,"
        "persistentvolumeclaims,ingresses,roles,rolebindings",
        "-l",
        selector,
        "-o",
        "name",
    ).stdout.split()
    cluster = kube.run(
        "get", "clusterroles,clusterrolebindings", "-l", selector, "-o", "name"
    ).stdout.split()
    return set(namespaced + cluster)


AGENT_SETS = {
    "clusterName": "test-cluster",
    "master.address": "lookout-master-grpc.lookout.svc:7443",
    "token.value": "agent-token-for-tests",
}


def test_master_installs_upgrades_and_uninstalls_to_just_the_pvc(khelm: Helm, kube: Kube) -> None:
    release = "lookout-master"
    helm_install(khelm, "install", release, MASTER_CHART, kube=kube, sets={})
    # No Secret: the master makes its credentials in its data volume (master.bootstrap).
    secrets = kube.run(
        "get", "secrets", "-l", f"app.kubernetes.io/instance={release}", "-o", "name"
    )
    assert secrets.stdout.split() == []
    assert kube.json("get", "networkpolicy", release)["spec"]["policyTypes"] == [
        "Ingress",
        "Egress",
    ]

    helm_install(khelm, "upgrade", release, MASTER_CHART, kube=kube, sets={"log.level": "DEBUG"})
    pod = kube.json("get", "deployment", release)["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["MASTER_LOG_LEVEL"] == "DEBUG"

    khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)
    assert leftovers(kube, release) == {"persistentvolumeclaim/lookout-master-data"}


async def test_agent_installs_with_leader_election_and_uninstalls_completely(
    khelm: Helm, kube: Kube, tmp_path: Path
) -> None:
    release = f"lk-{kube.namespace}"[:40]
    sets = {**AGENT_SETS, "replicas": "2"}
    helm_install(khelm, "install", release, AGENT_CHART, kube=kube, sets=sets)
    intake = kube.secret_data(f"{release}-lookout-agent-intake")
    assert kube.json("get", "role", f"{release}-lookout-agent-leader")["rules"]
    await chart_sa_takes_renews_and_hands_over_the_lease(kube, release, tmp_path)

    helm_install(khelm, "upgrade", release, AGENT_CHART, kube=kube, sets={**sets, "replicas": "1"})
    assert kube.secret_data(f"{release}-lookout-agent-intake") == intake
    assert kube.run("get", "role", f"{release}-lookout-agent-leader", check=False).returncode != 0

    khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)
    assert leftovers(kube, release) == set()


async def chart_sa_takes_renews_and_hands_over_the_lease(
    kube: Kube, release: str, tmp_path: Path
) -> None:
    """The agent's real elector, configured from the chart's own env, on a token of the
    chart's ServiceAccount: create, get and update the Lease is all it needs and all it gets."""
    full = f"{release}-lookout-agent"
    pod = kube.json("get", "deployment", full)["spec"]["template"]["spec"]
    prefix = "AGENT_LEADER_ELECTION__"
    chart_env = {
        e["name"].removeprefix(prefix).lower(): e["value"]
        for e in pod["containers"][0]["env"]
        if e["name"].startswith(prefix) and "value" in e  # namespace, identity: downward API
    }
    lease = chart_env["lease_name"]

    def elector(access: KubeAccess, identity: str) -> Elector:
        # The pod's downward-API values, and a quick renewal so the test sees one.
        settings = LeaderElectionSettings.model_validate(
            chart_env
            | {"lease_namespace": kube.namespace, "identity": identity}
            | {"renew_interval_s": 0.5, "retry_period_s": 0.5}
        )
        assert settings.enabled
        return Elector(LeaseApi(access, namespace=kube.namespace, name=lease), settings)

    def spec() -> dict[str, Any]:
        return dict(kube.json("get", "lease", lease)["spec"])

    token = kube.run("create", "token", full, "--duration", "10m").stdout.strip()
    agent = kube.as_token(token, tmp_path / "agent.kubeconfig")
    for verb in ("list", "watch", "delete"):
        assert not agent.can(verb, "leases.coordination.k8s.io"), verb
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=agent.kubeconfig)
    async with access:
        first = elector(access, "replica-a")
        assert await first.acquire(asyncio.Event())  # create
        created = await asyncio.to_thread(spec)
        assert created["holderIdentity"] == "replica-a"

        async def renewed() -> bool:
            return (await asyncio.to_thread(spec))["renewTime"] != created["renewTime"]

        async def until_renewed(stop: asyncio.Event) -> None:
            async with asyncio.timeout(60):
                while not await renewed():  # noqa: ASYNC110 -- polls the API server
                    await asyncio.sleep(0.2)

        await run_while_leading(first, asyncio.Event(), until_renewed)  # get + update, release
        assert (await asyncio.to_thread(spec)).get("holderIdentity", "") == ""

        second = elector(access, "replica-b")
        assert await second.acquire(asyncio.Event())  # the released lease, at once
        taken = await asyncio.to_thread(spec)
        assert (taken["holderIdentity"], taken["leaseTransitions"]) == ("replica-b", 1)


def test_agent_service_account_can_do_exactly_what_the_values_allow(
    khelm: Helm, kube: Kube, tmp_path: Path
) -> None:
    release = f"lk-{kube.namespace}"[:40]
    sa = f"{release}-lookout-agent"
    helm_install(khelm, "install", release, AGENT_CHART, kube=kube, sets=AGENT_SETS)
    token = kube.run("create", "token", sa, "--duration", "10m").stdout.strip()
    agent = kube.as_token(token, tmp_path / "agent.kubeconfig")

    # Reads what it watches, cluster-wide.
    assert agent.run("get", "pods", "-A", "-o", "name").returncode == 0
    assert agent.run("get", "nodes", "-o", "name").returncode == 0
    for resource in ("deployments.apps", "events", "jobs.batch", "ingresses.networking.k8s.io"):
        assert agent.can("watch", resource, "-A"), resource
    # Never Secrets (off by default), never anything it was not given.
    denied = agent.run("get", "secrets", check=False)
    assert denied.returncode != 0
    assert "forbidden" in denied.stderr.lower()
    assert not agent.can("create", "pods")
    assert not agent.can("delete", "deployments.apps")
    # Enabled commands' verbs; drain's eviction needs policy.drainEnabled.
    assert agent.can("delete", "pods")
    assert agent.can("patch", "nodes")
    assert agent.can("get", "pods", "--subresource=log")
    assert not agent.can("create", "pods", "--subresource=eviction")
    # metrics-server's lists (podMetrics.enabled, on by default): get/list, never watch.
    for verb, resource in itertools.product(("get", "list"), ("pods", "nodes")):
        assert agent.may(verb, "metrics.k8s.io", resource), (verb, resource)
    assert not agent.may("watch", "metrics.k8s.io", "pods")

    # Take commands and pod metrics away: their verbs go with them.
    restricted = {
        **AGENT_SETS,
        "policy.allowedCommands": "{scale,describe}",
        "podMetrics.enabled": "false",
    }
    helm_install(khelm, "upgrade", release, AGENT_CHART, kube=kube, sets=restricted)
    assert not agent.can("delete", "pods")
    assert not agent.can("patch", "nodes")
    assert not agent.can("get", "pods", "--subresource=log")
    assert agent.can("patch", "deployments.apps", "--subresource=scale")
    assert not agent.may("list", "metrics.k8s.io", "pods")
    assert not agent.may("list", "metrics.k8s.io", "nodes")
    khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)


async def test_agent_as_the_chart_service_account_syncs_all_sources_and_runs_only_chart_commands(
    khelm: Helm, kube: Kube, tmp_path: Path
) -> None:
    release = f"lk-{kube.namespace}"[:40]
    sa = f"{release}-lookout-agent"
    chart_commands = {**AGENT_SETS, "policy.allowedCommands": "{scale,describe}"}
    helm_install(khelm, "install", release, AGENT_CHART, kube=kube, sets=chart_commands)
    token = kube.run("create", "token", sa, "--duration", "10m").stdout.strip()
    agent_kubeconfig = tmp_path / "agent.kubeconfig"
    kube.as_token(token, agent_kubeconfig)
    node = f"rbac-{uuid.uuid4().hex[:6]}"
    kube.cluster.apply(
        [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node, "annotations": {"kwok.x-k8s.io/node": "fake"}},
            },
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web", "namespace": kube.namespace},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "app", "image": "registry.local/web:1"}]},
                    },
                },
            },
        ]
    )
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=agent_kubeconfig)
    try:
        async with access:
            # Sources: the agent's defaults, cluster-wide, all synced with the chart's read rules.
            settings = SourcesSettings(recheck_interval_s=1.0)
            chosen = enabled_sources(settings).values()
            expected = {spec.kind for spec in chosen if not spec.optional_api}
            assert "Secret" not in expected
            assert {"Pod", "Node", "Deployment", "Event", "ConfigMap"} <= expected
            # Secret is off by default: reported "disabled", never watched. The Gateway API
            # kinds are watched but their CRDs are not installed here: "disabled" too.
            absent = {spec.kind: "disabled" for spec in chosen if spec.optional_api}
            assert absent.keys() == {"Gateway", "HTTPRoute"}
            wanted = {kind: "synced" for kind in expected} | {"Secret": "disabled"} | absent
            mirror, statuses = Mirror(), dict[str, SourceStatus]()
            mirror.attach()
            stop = asyncio.Event()
            sources = asyncio.create_task(
                run_sources(
                    settings,
                    kube=access,
                    mirror=mirror,
                    outbox=Outbox(max_records=10_000),
                    detect_settings=DetectSettings(),
                    stop=stop,
                )
            )
            try:
                async with asyncio.timeout(90):
                    while {k: statuses[k].state for k in statuses} != wanted:
                        statuses.update((s.kind, s) for s in mirror.take_status() or [])
                        await asyncio.sleep(0.1)
            except TimeoutError:
                raise AssertionError(f"sources not all synced: {statuses}") from None
            finally:
                stop.set()
                await asyncio.wait_for(sources, 15)

            # Commands: enabled in the chart -> runs; allowed by the agent but not the chart ->
            # the API server refuses (403); not allowed by the agent -> refused before any call.
            web = ObjectRef(kind="Deployment", namespace=kube.namespace, name="web")
            target = ObjectRef(kind="Node", name=node)
            chart_commands = PolicySettings(allowed_commands=["scale", "describe", "cordon"])
            async with executor_on(access, chart_commands, timeout_s=60) as runner:
                scaled = await runner.run("scale", web, {"replicas": 2})
                assert scaled.state is CommandState.SUCCEEDED, scaled
                rbac = await runner.run("cordon", target, {})
                assert (rbac.state, rbac.error_code) == (CommandState.FAILED, "forbidden"), rbac
            narrower = PolicySettings(allowed_commands=["scale", "describe"])
            async with executor_on(access, narrower, timeout_s=60) as runner:
                policy = await runner.run("cordon", target, {})
                assert (policy.state, policy.error_code) == (
                    CommandState.FAILED,
                    "forbidden_by_policy",
                ), policy
            assert kube.json("get", "deployment", "web")["spec"]["replicas"] == 2
            assert not kube.json("get", "node", node)["spec"].get("unschedulable")

            # Secrets: not even a list through the agent's own HTTP client.
            with pytest.raises(KubeStatusError) as denied:
                await access.get(f"/api/v1/namespaces/{kube.namespace}/secrets", {}, timeout_s=30)
            assert denied.value.code == 403
    finally:
        kube.run("delete", "node", node, "--wait=false", check=False)
        khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)
