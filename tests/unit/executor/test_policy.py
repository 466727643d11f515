"""The agent's own checks of a command, whatever the master sent: the target (kind, namespace,
Kubernetes names), the command policy with its protected namespaces, and field selectors built
with escaping. Pure."""

from __future__ import annotations

import pytest

from agent.executor.commands._common import escape_field_value, field_selector
from agent.executor.policy import refusal
from agent.executor.settings import PolicySettings
from shared.commands.catalogue import CATALOGUE
from shared.commands.targets import target_problem
from shared.domain.commands import Command
from shared.domain.refs import ObjectRef

WORKLOADS = CATALOGUE["set_image"].target_kinds


def cmd(type_: str, kind: str, namespace: str, name: str = "x") -> Command:
    return Command(id="c", type=type_, target=ObjectRef(kind=kind, namespace=namespace, name=name))


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "problem"),
    [
        ("Deployment", "", "web", "a Deployment target needs a namespace"),
        ("Deployment", "shop", "../web", "target name '../web' is not a valid"),
        ("Deployment", "shop", "a/b", "target name 'a/b' is not a valid"),
        ("Deployment", "shop", "a..b", "target name 'a..b' is not a valid"),
        ("Deployment", "shop", "Web", "target name 'Web' is not a valid"),
        ("Deployment", "shop", "", "target name '' is not a valid"),
        ("Deployment", "shop", "a" * 254, "is not a valid Kubernetes object name"),
        ("Deployment", "kube-system/..", "x", "target namespace 'kube-system/..' is not"),
        ("Deployment", "shop.prod", "x", "target namespace 'shop.prod' is not"),
        ("Deployment", "..", "x", "target namespace '..' is not"),
        ("Node", "default", "n1", "a Node is cluster-scoped"),
        ("Pod", "shop", "web-1", "set_image cannot target a Pod"),
        ("Gizmo", "shop", "x", "set_image cannot target a Gizmo"),
    ],
)
def test_malformed_targets_are_refused_by_the_agent(
    kind: str, namespace: str, name: str, problem: str
) -> None:
    target = ObjectRef(kind=kind, namespace=namespace, name=name)
    kinds = WORKLOADS | {"Node", "Gizmo"} if kind in ("Node", "Gizmo") else WORKLOADS
    out = target_problem("set_image", target, kinds=kinds)
    assert out is not None and problem in out, out


def test_well_formed_targets_pass() -> None:
    ok = ObjectRef(kind="Deployment", namespace="shop", name="web.v2-1")
    assert target_problem("set_image", ok, kinds=WORKLOADS) is None
    node = ObjectRef(kind="Node", name="ip-10-0-0-1.eu-west-1.compute.internal")
    assert target_problem("cordon", node, kinds=frozenset({"Node"})) is None


DEFAULT = PolicySettings(agent_namespace="lookout")


@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-node-lease", "lookout"])
@pytest.mark.parametrize("command", ["set_image", "rollout_restart", "scale", "rollback"])
def test_no_mutating_command_runs_in_a_protected_namespace_by_default(
    command: str, namespace: str
) -> None:
    out = refusal(DEFAULT, cmd(command, "Deployment", namespace), mutating=True)
    assert out == (
        f"forbidden by agent policy: namespace {namespace!r} is protected: no mutating command "
        "runs there unless the cluster owner lists it in policy.protectedNamespaces.unprotect"
    )


def test_reads_stay_allowed_in_protected_namespaces() -> None:
    assert refusal(DEFAULT, cmd("pod_logs", "Pod", "kube-system"), mutating=False) is None
    assert refusal(DEFAULT, cmd("describe", "Deployment", "lookout"), mutating=False) is None


def test_the_cluster_owner_opts_a_protected_namespace_in_explicitly() -> None:
    policy = PolicySettings(agent_namespace="lookout", unprotected_namespaces=["kube-system"])
    assert refusal(policy, cmd("scale", "Deployment", "kube-system"), mutating=True) is None
    assert refusal(policy, cmd("scale", "Deployment", "lookout"), mutating=True) is not None
    extra = PolicySettings(protected_namespaces=["platform"])
    assert refusal(extra, cmd("scale", "Deployment", "platform"), mutating=True) is not None
    assert refusal(extra, cmd("scale", "Deployment", "kube-system"), mutating=True) is None


def test_an_empty_namespace_never_passes_the_namespace_policy() -> None:
    policy = PolicySettings(allowed_namespaces=["shop"])
    out = refusal(policy, cmd("scale", "Deployment", ""), mutating=True)
    assert out == "forbidden by agent policy: a Deployment target without a namespace"
    assert refusal(DEFAULT, cmd("set_image", "Deployment", ""), mutating=True) is not None
    # Cluster-scoped targets have no namespace by definition.
    assert refusal(DEFAULT, cmd("cordon", "Node", ""), mutating=True) is None


def test_nodes_are_governed_by_the_command_list_and_the_drain_switch() -> None:
    assert refusal(DEFAULT, cmd("drain", "Node", ""), mutating=True) == (
        "forbidden by agent policy: drain is disabled on this cluster"
    )
    assert (
        refusal(PolicySettings(drain_enabled=True), cmd("drain", "Node", ""), mutating=True) is None
    )


def test_field_selector_values_are_escaped_like_kubernetes_escape_value() -> None:
    assert escape_field_value(r"a\b,c=d") == r"a\\b\,c\=d"
    selector = field_selector({"involvedObject.name": "x,involvedObject.kind=Secret"})
    assert selector == r"involvedObject.name=x\,involvedObject.kind\=Secret"
    assert field_selector({"spec.nodeName": "n1", "a": "b"}) == "spec.nodeName=n1,a=b"
