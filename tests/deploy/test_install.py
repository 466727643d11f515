"""Both charts installed by real `helm` into the real test control plane (kube-apiserver + kwok;
images are never pulled): the API server accepts every object, upgrades keep generated secrets,
uninstall leaves only the master's PVC, and the agent's ServiceAccount can do exactly what its
values allow (checked by the API server's own authorizer with a token of that ServiceAccount).

Uses the control-plane fixtures of tests/k8s/conftest.py (k8s_cluster with .admin_kubeconfig and
.bin_dir; k8s_namespace). They are loaded from that file because conftest fixtures are only
visible below their own directory."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from _pytest.fixtures import FixtureFunctionDefinition

from tests.deploy.helmtool import AGENT_CHART, MASTER_CHART, REPO, Helm, value_args

_K8S_FIXTURES = REPO / "tests" / "k8s" / "conftest.py"


def _load_k8s_fixtures() -> bool:
    if not _K8S_FIXTURES.is_file():
        return False
    # It imports its helpers (harness, controlplane) as top-level modules, as pytest's rootdir
    # insertion would let it; the same module objects then share one control plane per session.
    if str(_K8S_FIXTURES.parent) not in sys.path:
        sys.path.insert(0, str(_K8S_FIXTURES.parent))
    spec = importlib.util.spec_from_file_location("lookout_k8s_fixtures", _K8S_FIXTURES)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, value in vars(module).items():
        if isinstance(value, FixtureFunctionDefinition):
            globals()[name] = value
    return "k8s_cluster" in globals() and "k8s_namespace" in globals()


if not _load_k8s_fixtures():
    _reason = "tests/k8s/conftest.py with the k8s_cluster/k8s_namespace fixtures is not there yet"
    if os.environ.get("CI") == "true":
        raise RuntimeError(_reason)
    pytestmark = [pytest.mark.k8s, pytest.mark.skip(reason=_reason)]
else:
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

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(Path(self.cluster.bin_dir) / "kubectl")]
        argv += ["--kubeconfig", str(self.kubeconfig), "-n", self.namespace]
        proc = subprocess.run(
            [*argv, *args], capture_output=True, text=True, timeout=60, check=False
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


def test_master_installs_upgrades_keeping_secrets_and_uninstalls_to_just_the_pvc(
    khelm: Helm, kube: Kube
) -> None:
    release = "lookout-master"
    helm_install(khelm, "install", release, MASTER_CHART, kube=kube, sets={})
    auth = kube.secret_data("lookout-master-auth")
    tls = kube.secret_data("lookout-master-tls")
    assert set(auth) == {"api-token", "jwt-secret", "bootstrap-admin-password"}

    helm_install(khelm, "upgrade", release, MASTER_CHART, kube=kube, sets={"log.level": "DEBUG"})
    assert kube.secret_data("lookout-master-auth") == auth
    assert kube.secret_data("lookout-master-tls") == tls
    pod = kube.json("get", "deployment", release)["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["MASTER_LOG_LEVEL"] == "DEBUG"

    khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)
    assert leftovers(kube, release) == {"persistentvolumeclaim/lookout-master-data"}


def test_agent_installs_with_leader_election_and_uninstalls_completely(
    khelm: Helm, kube: Kube
) -> None:
    release = f"lk-{kube.namespace}"[:40]
    sets = {**AGENT_SETS, "replicas": "2"}
    helm_install(khelm, "install", release, AGENT_CHART, kube=kube, sets=sets)
    intake = kube.secret_data(f"{release}-lookout-agent-intake")
    assert kube.json("get", "role", f"{release}-lookout-agent-leader")["rules"]

    helm_install(khelm, "upgrade", release, AGENT_CHART, kube=kube, sets={**sets, "replicas": "1"})
    assert kube.secret_data(f"{release}-lookout-agent-intake") == intake
    assert kube.run("get", "role", f"{release}-lookout-agent-leader", check=False).returncode != 0

    khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)
    assert leftovers(kube, release) == set()


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

    # Take commands away: their verbs go with them.
    restricted = {**AGENT_SETS, "policy.allowedCommands": "{scale,describe}"}
    helm_install(khelm, "upgrade", release, AGENT_CHART, kube=kube, sets=restricted)
    assert not agent.can("delete", "pods")
    assert not agent.can("patch", "nodes")
    assert not agent.can("get", "pods", "--subresource=log")
    assert agent.can("patch", "deployments.apps", "--subresource=scale")
    khelm.run("uninstall", release, "--namespace", kube.namespace, "--wait", timeout=180)
