"""The agent chart agrees with the shared command catalogue (``shared/commands/catalogue.py``):
the commands it allows by default, its values schema, its per-command RBAC table and the rules
real ``helm template`` renders from them.

How the chart grants what a command needs: reads of whole objects (get/list of pods, nodes,
deployments...) come from the sources' watch grants, since the agent reads what it watches;
everything else (writes, subresources such as ``pods/log`` or ``deployments/scale``) from the
chart's per-command table in ``_rbac.tpl``, namespace-bound unless the catalogue says the
permission is cluster-wide. These tests fail when a catalogue row and the chart disagree."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from agent.executor.settings import SYSTEM_NAMESPACES
from agent.settings import AgentSettings
from shared.commands.catalogue import CATALOGUE
from tests.deploy.helmtool import (
    AGENT_CHART,
    AGENT_REQUIRED,
    POD_METRICS_GRANTS,
    Grant,
    Helm,
    HelmError,
    commands,
    grants,
    render_agent,
)

VALUES = yaml.safe_load((AGENT_CHART / "values.yaml").read_text())
SCHEMA = json.loads((AGENT_CHART / "values.schema.json").read_text())
RBAC_TPL = (AGENT_CHART / "templates" / "_rbac.tpl").read_text()
READS = frozenset({"get", "list", "watch"})
# The chart never lets the agent read a Secret by name (values never leave the cluster, and with
# sources.secretsEnabled it gets list/watch only), so ``describe`` of a Secret is refused by the
# API server on purpose.
NEVER_GRANTED: frozenset[Grant] = frozenset({("", "secrets", "get")})
# Leader election's Role (replicas > 1): create the Lease, then read and renew it by name.
LEADER: frozenset[Grant] = frozenset(
    ("coordination.k8s.io", "leases", v) for v in ("create", "get", "update", "patch")
)
CLUSTER_ROLE = ("ClusterRole", "lookout-agent")
COMMANDS_ROLE = ("ClusterRole", "lookout-agent-commands")
# Leaves only what commands are granted: no watched kinds, no metrics.k8s.io reads.
NO_SOURCES = {"sources.watch": "null", "podMetrics.enabled": "false"}


def reads_object(grant: Grant) -> bool:
    _, resource, verb = grant
    return verb in READS and "/" not in resource


def command_grants(names: list[str], *, cluster_wide: bool | None = None) -> set[Grant]:
    """What the chart's command table must grant for ``names`` (all scopes when None)."""
    return {
        g
        for name in names
        for p in CATALOGUE[name].rbac
        if cluster_wide in (None, p.cluster_wide)
        for g in p.grants
        if not reads_object(g)
    }


def source_grants(values: dict[str, dict[str, list[str]]]) -> set[Grant]:
    return {
        ("" if group == "core" else group, resource, verb)
        for group, resources in values.items()
        for resource in resources
        for verb in READS
    }


def all_grants(objs: dict[tuple[str, str], dict[str, object]]) -> set[Grant]:
    roles = [o for key, o in objs.items() if key[0] in {"ClusterRole", "Role"}]
    return set().union(*(grants(r) for r in roles))


# --- the chart's command lists -------------------------------------------------------------------


def test_chart_allows_exactly_the_catalogued_commands_by_default() -> None:
    assert VALUES["policy"]["allowedCommands"] == list(CATALOGUE)


def test_values_schema_accepts_exactly_the_catalogued_commands() -> None:
    assert SCHEMA["definitions"]["command"]["enum"] == list(CATALOGUE)


def test_chart_rbac_table_has_one_row_per_catalogued_command() -> None:
    block = re.search(
        r'define "lookout-agent\.commandPermissions" -}}\n(.*?)\{\{- end }}', RBAC_TPL, re.S
    )
    assert block is not None
    assert sorted(yaml.safe_load(block.group(1))) == sorted(CATALOGUE)


def test_default_install_hands_the_agent_every_catalogued_command(helm: Helm) -> None:
    pod = render_agent(helm)[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert json.loads(env["AGENT_POLICY__ALLOWED_COMMANDS"]) == list(CATALOGUE)


# --- rendered RBAC -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_each_command_alone_is_granted_exactly_what_the_catalogue_says(
    helm: Helm, name: str
) -> None:
    objs = render_agent(
        helm, **NO_SOURCES, **{"policy.allowedCommands": commands([name])}, **drain_on()
    )
    assert grants(objs[CLUSTER_ROLE]) == command_grants([name])
    assert COMMANDS_ROLE not in objs


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_namespace_bound_permissions_follow_allowed_namespaces(helm: Helm, name: str) -> None:
    objs = render_agent(
        helm,
        **NO_SOURCES,
        **{"policy.allowedCommands": commands([name]), "policy.allowedNamespaces": "{shop}"},
        **drain_on(),
    )
    assert grants(objs[CLUSTER_ROLE]) == command_grants([name], cluster_wide=True)
    bound = command_grants([name], cluster_wide=False)
    assert (grants(objs[COMMANDS_ROLE]) if COMMANDS_ROLE in objs else set()) == bound


@pytest.mark.parametrize("drain", [False, True])
def test_default_rules_are_the_sources_and_pod_metrics_reads_plus_the_enabled_commands_needs(
    helm: Helm, drain: bool
) -> None:
    objs = render_agent(helm, replicas="3", **(drain_on() if drain else {}))
    enabled = [c for c in CATALOGUE if drain or c != "drain"]
    expected = (
        source_grants(VALUES["sources"]["watch"])
        | POD_METRICS_GRANTS
        | command_grants(enabled)
        | LEADER
    )
    assert all_grants(objs) == expected
    assert grants(objs[("Role", "lookout-agent-leader")]) == LEADER


def test_every_read_a_default_command_makes_is_granted_by_the_watched_kinds(helm: Helm) -> None:
    granted = all_grants(render_agent(helm, **drain_on()))
    needed = {g for c in CATALOGUE.values() for p in c.rbac for g in p.grants}
    assert needed - granted == NEVER_GRANTED


def drain_on() -> dict[str, str]:
    return {"policy.drainEnabled": "true"}


# --- the agent-side policy: protected namespaces and images ---------------------------------------


def agent_env(objs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    pod = objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]
    return {e["name"]: e for e in pod["containers"][0]["env"]}


def test_default_install_protects_the_system_namespaces_and_the_agents_own(helm: Helm) -> None:
    env = agent_env(render_agent(helm))
    assert json.loads(env["AGENT_POLICY__PROTECTED_NAMESPACES"]["value"]) == list(SYSTEM_NAMESPACES)
    assert json.loads(env["AGENT_POLICY__UNPROTECTED_NAMESPACES"]["value"]) == []
    assert env["AGENT_POLICY__AGENT_NAMESPACE"]["valueFrom"] == {
        "fieldRef": {"fieldPath": "metadata.namespace"}
    }
    assert json.loads(env["AGENT_POLICY__IMAGES__ALLOWED"]["value"]) == []
    assert env["AGENT_POLICY__IMAGES__REQUIRE_DIGEST"]["value"] == "false"


def test_policy_values_reach_the_agents_settings(
    helm: Helm, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = agent_env(
        render_agent(
            helm,
            **{
                "policy.protectedNamespaces.namespaces": "{kube-system,platform}",
                "policy.protectedNamespaces.unprotect": "{kube-system}",
                "policy.images.allowed": "{ghcr.io/acme/*,nginx}",
                "policy.images.requireDigest": "true",
            },
        )
    )
    for name, e in env.items():
        if name.startswith("AGENT_") and "value" in e:
            monkeypatch.setenv(name, e["value"])
    monkeypatch.setenv("AGENT_POLICY__AGENT_NAMESPACE", "lookout")  # the downward API's part
    monkeypatch.setenv("AGENT_TOKEN", "x")
    policy = AgentSettings().policy  # type: ignore[call-arg]
    assert [
        ns for ns in ("kube-system", "platform", "lookout", "shop") if policy.protected(ns)
    ] == [
        "platform",
        "lookout",
    ]
    assert policy.images.allowed == ["ghcr.io/acme/*", "nginx"]
    assert policy.images.require_digest is True


def test_a_malformed_image_allowlist_entry_fails_the_schema(helm: Helm) -> None:
    with pytest.raises(HelmError) as caught:
        helm.template(AGENT_CHART, sets={**AGENT_REQUIRED, "policy.images.allowed": "{Evil.io}"})
    assert "values don't meet the specifications of the schema" in caught.value.stderr
    assert "allowed" in caught.value.stderr
