"""Smoke tests proving the real control plane behaves like Kubernetes where Lookout depends on
it: controllers reconcile, the scheduler honours cordon, the eviction API honours PDBs, RBAC
confines the agent identity. (The same behaviours also run against kubesim in tests/contract.)
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
import yaml
from kubernetes import client, config, watch

from tests.k8s.controlplane import AGENT_CLUSTERROLE, ControlPlane

pytestmark = pytest.mark.k8s
T = TypeVar("T")


def wait_for(check: Callable[[], T | None], *, timeout: float = 30.0, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def admin(k8s_cluster: ControlPlane) -> Iterator[client.ApiClient]:
    api = config.new_client_from_config(str(k8s_cluster.admin_kubeconfig))
    yield api
    api.close()


@pytest.fixture
def agent(k8s_cluster: ControlPlane) -> Iterator[client.ApiClient]:
    api = config.new_client_from_config(str(k8s_cluster.agent_kubeconfig))
    yield api
    api.close()


def _deployment(name: str, replicas: int, **pod_spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [{"name": "main", "image": "registry.local/app:1.0"}],
                    "terminationGracePeriodSeconds": 0,
                    **pod_spec,
                },
            },
        },
    }


def _running(core: client.CoreV1Api, ns: str, app: str) -> list[Any]:
    return [
        p
        for p in core.list_namespaced_pod(ns, label_selector=f"app={app}").items
        if p.status.phase == "Running" and p.metadata.deletion_timestamp is None
    ]


def test_binaries_are_stamped_with_the_pinned_kubernetes_version(
    k8s_cluster: ControlPlane, admin: client.ApiClient
) -> None:
    out = subprocess.run(
        [str(k8s_cluster.bin_dir / "kube-apiserver"), "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    served = client.VersionApi(admin).get_code()
    assert served.git_version in out
    assert served.git_version.startswith(f"v{served.major}.{served.minor}.")


def test_scaling_a_deployment_creates_running_pods(
    admin: client.ApiClient, k8s_namespace: str
) -> None:
    apps, core = client.AppsV1Api(admin), client.CoreV1Api(admin)
    apps.create_namespaced_deployment(k8s_namespace, _deployment("web", 1))
    wait_for(lambda: len(_running(core, k8s_namespace, "web")) == 1, what="1 running pod")
    apps.patch_namespaced_deployment_scale("web", k8s_namespace, {"spec": {"replicas": 4}})
    pods = wait_for(
        lambda: (p := _running(core, k8s_namespace, "web")) and len(p) == 4 and p,
        what="4 running pods",
    )
    assert all(p.status.pod_ip and p.status.host_ip == "127.0.0.1" for p in pods)


def test_a_cordoned_node_gets_no_new_pods(admin: client.ApiClient, k8s_namespace: str) -> None:
    apps, core = client.AppsV1Api(admin), client.CoreV1Api(admin)
    nodes = sorted(n.metadata.name for n in core.list_node().items)
    cordoned = nodes[0]
    core.patch_node(cordoned, {"spec": {"unschedulable": True}})
    try:
        apps.create_namespaced_deployment(k8s_namespace, _deployment("spread", 6))
        pods = wait_for(
            lambda: (p := _running(core, k8s_namespace, "spread")) and len(p) == 6 and p,
            what="6 running pods",
        )
        assert cordoned not in {p.spec.node_name for p in pods}
    finally:
        core.patch_node(cordoned, {"spec": {"unschedulable": False}})


def test_an_eviction_blocked_by_a_pdb_returns_429(
    admin: client.ApiClient, k8s_namespace: str
) -> None:
    apps, core, policy = client.AppsV1Api(admin), client.CoreV1Api(admin), client.PolicyV1Api(admin)
    apps.create_namespaced_deployment(k8s_namespace, _deployment("web", 2))
    pods = wait_for(
        lambda: (p := _running(core, k8s_namespace, "web")) and len(p) == 2 and p,
        what="2 running pods",
    )
    policy.create_namespaced_pod_disruption_budget(
        k8s_namespace,
        {
            "metadata": {"name": "web"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        },
    )
    wait_for(
        lambda: (
            (s := policy.read_namespaced_pod_disruption_budget("web", k8s_namespace).status)
            and s.current_healthy == 2
        ),
        what="PDB status from the KCM",
    )
    name = pods[0].metadata.name
    with pytest.raises(client.ApiException) as blocked:
        core.create_namespaced_pod_eviction(
            name,
            k8s_namespace,
            client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace=k8s_namespace)),
        )
    assert blocked.value.status == 429
    causes = json.loads(blocked.value.body)["details"]["causes"]
    assert causes[0]["reason"] == "DisruptionBudget"


def test_the_agent_identity_can_list_and_watch_pods_but_is_forbidden_to_read_secrets(
    admin: client.ApiClient, agent: client.ApiClient, k8s_namespace: str
) -> None:
    client.CoreV1Api(admin).create_namespaced_secret(
        k8s_namespace, {"metadata": {"name": "db"}, "stringData": {"password": "x"}}
    )
    core = client.CoreV1Api(agent)
    assert core.list_pod_for_all_namespaces(limit=5).items is not None
    for _ in watch.Watch().stream(core.list_namespaced_pod, k8s_namespace, timeout_seconds=1):
        pass
    for call in (
        lambda: core.list_namespaced_secret(k8s_namespace),
        lambda: core.read_namespaced_secret("db", k8s_namespace),
        lambda: core.list_secret_for_all_namespaces(),
    ):
        with pytest.raises(client.ApiException) as denied:
            call()
        assert denied.value.status == 403


def _granted() -> list[tuple[str, str, str, str]]:
    """(verb, group, resource, subresource) for every grant in the shipped ClusterRole."""
    role = yaml.safe_load(AGENT_CLUSTERROLE.read_text())
    out = []
    for rule in role["rules"]:
        for group in rule.get("apiGroups", []):
            for res in rule.get("resources", []):
                resource, _, sub = res.partition("/")
                out += [(verb, group, resource, sub) for verb in rule["verbs"]]
    return out


# Never granted, whatever the chart's values say: Secret values, deleting workloads, exec.
_FORBIDDEN = [
    ("get", "", "secrets", ""),
    ("list", "", "secrets", ""),
    ("delete", "apps", "deployments", ""),
    ("create", "", "pods", "exec"),
]


def _allowed(agent: client.ApiClient, verb: str, group: str, resource: str, sub: str) -> bool:
    review = client.AuthorizationV1Api(agent).create_self_subject_access_review(
        {
            "spec": {
                "resourceAttributes": {
                    "verb": verb,
                    "group": group,
                    "resource": resource,
                    "subresource": sub,
                    "namespace": "default",
                }
            }
        }
    )
    return bool(review.status.allowed)


# What every authenticated identity may do (system:basic-user): ask what it may do itself.
_SELF_REVIEWS = {
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
}


def _effective(agent: client.ApiClient, namespace: str) -> set[tuple[str, str, str, str]]:
    """(verb, group, resource, subresource) the API server says the identity holds in
    ``namespace``: the whole rule set (SelfSubjectRulesReview), not a sample of questions."""
    review = client.AuthorizationV1Api(agent).create_self_subject_rules_review(
        {"spec": {"namespace": namespace}}
    )
    assert not review.status.incomplete, review.status.evaluation_error
    out = set()
    for rule in review.status.resource_rules:
        for group in rule.api_groups or ():
            for res in rule.resources or ():
                resource, _, sub = res.partition("/")
                if (group, resource) not in _SELF_REVIEWS:
                    out |= {(verb, group, resource, sub) for verb in rule.verbs}
    return out


def test_the_agent_identity_has_exactly_the_shipped_cluster_role(agent: client.ApiClient) -> None:
    granted = set(_granted())
    assert granted, "deploy/k8s/agent-clusterrole.yaml grants nothing"
    for namespace in ("default", "kube-system"):
        effective = _effective(agent, namespace)
        assert not granted - effective, (
            f"granted but not held in {namespace}: {granted - effective}"
        )
        assert not effective - granted, (
            f"held beyond the ClusterRole in {namespace}: {effective - granted}"
        )
    assert not any(v == "*" or r == "*" for v, _, r, _ in granted), "a wildcard grant"
    # The same from the access-review side, for the grants that must never exist.
    denied = [g for g in sorted(granted) if not _allowed(agent, *g)]
    assert not denied, f"granted by the ClusterRole but refused by the API server: {denied}"
    leaked = [f for f in _FORBIDDEN if _allowed(agent, *f)]
    assert not leaked, f"the agent identity may do more than it should: {leaked}"


def test_pod_logs_are_served_through_the_api_server(
    admin: client.ApiClient, k8s_namespace: str
) -> None:
    apps, core = client.AppsV1Api(admin), client.CoreV1Api(admin)
    apps.create_namespaced_deployment(k8s_namespace, _deployment("web", 1))
    pod = wait_for(
        lambda: (p := _running(core, k8s_namespace, "web")) and p[0], what="1 running pod"
    )
    # The API server reaches the kubelet at the node's address, which kwok fills in after the
    # node appears; a pod can be bound before that (seen once: 500 "no preferred addresses").
    wait_for(
        lambda: core.read_node(pod.spec.node_name).status.addresses,
        what=f"an address on node {pod.spec.node_name}",
    )
    text = core.read_namespaced_pod_log(pod.metadata.name, k8s_namespace, tail_lines=3)
    assert text.strip().splitlines()[-1].endswith("INFO line 19")
