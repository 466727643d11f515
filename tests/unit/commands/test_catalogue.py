"""The shared command catalogue and its two readers: the master's request validation and the
agent's registry, settings and policy defaults. Pure: no cluster, no link."""

from __future__ import annotations

import pytest

from agent.executor.registry import COMMANDS, RUN, RegistryMismatch, build
from agent.executor.settings import ALL_COMMANDS, PolicySettings
from master.commands.requests import CommandIn, InvalidCommand, TargetIn, validate
from shared.commands.catalogue import CATALOGUE, DESCRIBABLE
from shared.kinds import BY_KIND

# Pinned from before the catalogue moved to shared/: the kinds a target must not namespace.
CLUSTER_SCOPED = {"Node", "Namespace", "PersistentVolume"}
READS = {"get", "list", "watch"}


def request(ctype: str, kind: str, namespace: str) -> CommandIn:
    params: dict[str, object] = {}
    if ctype == "scale":
        params = {"replicas": 1}
    if ctype == "set_image":
        params = {"container": "app", "image": "nginx:1.27"}
    if ctype == "set_resources":
        params = {"container": "app", "limits": {"memory": "512Mi"}}
    target = TargetIn(kind=kind, namespace=namespace, name="x")
    return CommandIn(type=ctype, target=target, params=params)


def test_every_target_kind_is_a_row_of_the_kind_table() -> None:
    for ctype in CATALOGUE.values():
        assert ctype.target_kinds, ctype.name
        assert ctype.target_kinds <= set(BY_KIND), ctype.name


def test_read_only_commands_ask_for_no_write_verb() -> None:
    for ctype in CATALOGUE.values():
        verbs = {v for p in ctype.rbac for v in p.verbs}
        assert verbs, ctype.name
        assert (verbs <= READS) == (not ctype.mutating), ctype.name


def test_permissions_on_cluster_scoped_kinds_are_cluster_wide() -> None:
    cluster_plurals = {(k.group, k.plural) for k in BY_KIND.values() if not k.namespaced}
    for ctype in CATALOGUE.values():
        for p in ctype.rbac:
            if (p.group, p.resource.split("/")[0]) in cluster_plurals:
                assert p.cluster_wide, (ctype.name, p)


@pytest.mark.parametrize("ctype", sorted(CATALOGUE))
def test_master_asks_a_namespace_exactly_of_namespaced_targets(ctype: str) -> None:
    for kind in sorted(CATALOGUE[ctype].target_kinds):
        if kind in CLUSTER_SCOPED:
            assert validate(request(ctype, kind, "")).target.namespace == ""
            with pytest.raises(InvalidCommand, match=f"a {kind} is cluster-scoped"):
                validate(request(ctype, kind, "shop"))
        else:
            assert validate(request(ctype, kind, "shop")).target.namespace == "shop"
            with pytest.raises(InvalidCommand, match=f"a {kind} target needs target.namespace"):
                validate(request(ctype, kind, ""))


def test_describe_reaches_every_kind_the_master_knew_before() -> None:
    assert {"Secret", "Node", "Namespace", "PersistentVolume", "ReplicaSet"} <= DESCRIBABLE


def test_agent_registry_pairs_every_catalogue_row_with_an_implementation() -> None:
    assert set(COMMANDS) == set(RUN) == set(CATALOGUE)
    for name, spec in COMMANDS.items():
        row = CATALOGUE[name]
        assert (spec.params, spec.kinds, spec.mutating) == (
            row.params,
            row.target_kinds,
            row.mutating,
        )


def test_registry_refuses_a_catalogue_row_without_implementation() -> None:
    with pytest.raises(RegistryMismatch, match="without implementation: describe"):
        build(CATALOGUE, {k: v for k, v in RUN.items() if k != "describe"})
    with pytest.raises(RegistryMismatch, match="not in the catalogue: nuke"):
        build(CATALOGUE, {**RUN, "nuke": RUN["describe"]})


def test_agent_allows_every_catalogued_command_by_default() -> None:
    assert tuple(CATALOGUE) == ALL_COMMANDS
    assert PolicySettings().allowed_commands == list(CATALOGUE)
