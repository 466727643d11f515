"""Roles, permissions and the bindings that grant them, globally, per cluster or per namespace.

Pure: a caller's bindings in, answers out ("may this caller operate in cluster c, namespace n?",
"which namespaces of c may it read?"). The gateway's permission dependency asks these questions
for every route; nothing here knows about HTTP or the store.

Roles are cumulative: ``operator`` has every permission of ``viewer``, ``admin`` every one of
``operator``. A binding grants a role to a user or a group with one of three scopes; the widest
grant wins (a global viewer bound as operator in one namespace may read everything and operate
there only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Permission(StrEnum):
    """What a route needs. ``public`` and ``authenticated`` ignore scope."""

    PUBLIC = "public"  # no credentials (login, health)
    AUTHENTICATED = "authenticated"  # any valid caller, about itself (me, logout, password)
    READ = "read"
    OPERATE = "operate"  # commands the agent's policy allows, acknowledge, silence
    ADMIN = "admin"  # users, tokens, bindings, clusters, receivers, rules, settings


class Role(IntEnum):
    """Ordered: a higher role holds every permission of the lower ones."""

    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown role {text!r} (viewer, operator or admin)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


# The lowest role that holds each scoped permission.
_NEEDS: dict[Permission, Role] = {
    Permission.READ: Role.VIEWER,
    Permission.OPERATE: Role.OPERATOR,
    Permission.ADMIN: Role.ADMIN,
}


# The permission each role adds (the inverse of ``_NEEDS``).
PERMISSION_OF: dict[Role, Permission] = {role: p for p, role in _NEEDS.items()}


@dataclass(frozen=True, slots=True)
class Scope:
    """Global (both empty), one cluster (namespace empty) or one namespace of one cluster."""

    cluster: str = ""
    namespace: str = ""

    def __post_init__(self) -> None:
        if self.namespace and not self.cluster:
            raise ValueError("a namespace scope needs its cluster")

    @property
    def label(self) -> str:
        if not self.cluster:
            return "global"
        return f"cluster {self.cluster}" + (
            f", namespace {self.namespace}" if self.namespace else ""
        )


GLOBAL = Scope()


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    scope: Scope = GLOBAL


@dataclass(frozen=True, slots=True)
class Grants:
    """Everything one caller holds, folded from its bindings (its own and its groups')."""

    grants: tuple[Grant, ...]

    @classmethod
    def of(cls, grants: Iterable[Grant]) -> Grants:
        return cls(tuple(grants))

    def allows(self, permission: Permission, cluster: str = "", namespace: str = "") -> bool:
        """May the caller do ``permission`` on an object in ``cluster``/``namespace``?

        An empty ``cluster`` asks about something that belongs to no cluster (users, tokens,
        settings): only a global grant counts. An empty ``namespace`` inside a cluster asks about
        the cluster as a whole (its nodes, its summary): a namespace grant does not reach it."""
        if permission in (Permission.PUBLIC, Permission.AUTHENTICATED):
            return True
        need = _NEEDS[permission]
        return any(g.role >= need and _covers(g.scope, cluster, namespace) for g in self.grants)

    def sees_cluster(self, cluster: str, permission: Permission = Permission.READ) -> bool:
        """Does the caller hold ``permission`` anywhere in ``cluster`` (at least one namespace)?
        A caller that does not is answered 404 for the cluster's objects: names do not leak."""
        need = _NEEDS[permission]
        return any(
            g.role >= need and (not g.scope.cluster or g.scope.cluster == cluster)
            for g in self.grants
        )

    def namespaces(
        self, cluster: str, permission: Permission = Permission.READ
    ) -> frozenset[str] | None:
        """The namespaces of ``cluster`` the caller may see, or None for all of them (a global
        or cluster-wide grant). An empty set: none (the cluster is invisible)."""
        need = _NEEDS[permission]
        found: set[str] = set()
        for g in self.grants:
            if g.role < need or (g.scope.cluster and g.scope.cluster != cluster):
                continue
            if not g.scope.namespace:
                return None
            found.add(g.scope.namespace)
        return frozenset(found)

    def holds(self, permission: Permission) -> bool:
        """Does the caller hold ``permission`` anywhere at all (a list route then filters)?"""
        if permission in (Permission.PUBLIC, Permission.AUTHENTICATED):
            return True
        return any(g.role >= _NEEDS[permission] for g in self.grants)

    def within(self, owner: Grants) -> Grants:
        """The grants ``owner`` could itself exercise: a user's API token never does more
        than its owner may do now (a demoted owner demotes their tokens)."""
        return Grants.of(
            g
            for g in self.grants
            if owner.allows(PERMISSION_OF[g.role], g.scope.cluster, g.scope.namespace)
        )

    @property
    def highest(self) -> Role | None:
        """The highest role held anywhere (for display and audit), None without grants."""
        return max((g.role for g in self.grants), default=None)


def _covers(scope: Scope, cluster: str, namespace: str) -> bool:
    if not scope.cluster:
        return True
    if scope.cluster != cluster:
        return False
    return not scope.namespace or scope.namespace == namespace
