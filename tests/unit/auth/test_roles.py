"""Roles are cumulative, scopes nest, and a namespace grant never reaches the cluster as a whole."""

from __future__ import annotations

import pytest

from master.auth.roles import Grant, Grants, Permission, Role, Scope

READ, OPERATE, ADMIN = Permission.READ, Permission.OPERATE, Permission.ADMIN


def grants(*g: Grant) -> Grants:
    return Grants.of(g)


def test_roles_are_cumulative_globally() -> None:
    viewer, operator, admin = (grants(Grant(r)) for r in Role)
    assert viewer.allows(READ, "c", "ns") and not viewer.allows(OPERATE, "c", "ns")
    assert operator.allows(OPERATE, "c", "ns") and not operator.allows(ADMIN)
    assert admin.allows(ADMIN) and admin.allows(OPERATE, "c", "ns") and admin.allows(READ, "c")


def test_a_namespace_viewer_sees_only_its_namespace() -> None:
    g = grants(Grant(Role.VIEWER, Scope("prod", "shop")))
    assert g.allows(READ, "prod", "shop")
    assert not g.allows(READ, "prod", "payments")
    assert not g.allows(READ, "prod")  # the cluster as a whole (nodes) is not theirs
    assert not g.allows(READ, "staging", "shop")
    assert not g.allows(READ)  # nothing outside clusters
    assert g.sees_cluster("prod") and not g.sees_cluster("staging")
    assert g.namespaces("prod") == frozenset({"shop"})
    assert g.namespaces("staging") == frozenset()


def test_the_widest_grant_wins() -> None:
    g = grants(Grant(Role.VIEWER), Grant(Role.OPERATOR, Scope("prod", "shop")))
    assert g.allows(READ, "staging", "x")
    assert g.allows(OPERATE, "prod", "shop") and not g.allows(OPERATE, "prod", "other")
    assert g.namespaces("prod") is None
    assert g.namespaces("prod", OPERATE) == frozenset({"shop"})
    assert g.highest is Role.OPERATOR


def test_a_cluster_grant_covers_all_its_namespaces_only() -> None:
    g = grants(Grant(Role.OPERATOR, Scope("prod")))
    assert g.allows(OPERATE, "prod") and g.allows(OPERATE, "prod", "any")
    assert not g.allows(READ, "staging") and not g.allows(ADMIN)


def test_no_grants_no_rights_but_public_and_authenticated() -> None:
    g = grants()
    assert not g.allows(READ, "c", "n") and g.highest is None
    assert g.allows(Permission.PUBLIC) and g.allows(Permission.AUTHENTICATED)


def test_scope_and_role_validation() -> None:
    with pytest.raises(ValueError, match="needs its cluster"):
        Scope("", "ns")
    assert Role.parse("Operator") is Role.OPERATOR
    with pytest.raises(ValueError, match="unknown role"):
        Role.parse("root")
