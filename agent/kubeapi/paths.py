"""REST paths of the Kubernetes API, built from a row of the kind table (``shared.kinds``).

Owns the one way the agent spells a URL path: the group/version prefix, the collection (in one
namespace or across all), one object (its name quoted) and its subresources. The sources list
and watch collections, the command client reads and writes objects, leader election reads and
writes its Lease, all through here. Deliberately does not own which kinds exist
(``shared.kinds``) or query parameters (each caller knows its own).
"""

from __future__ import annotations

from urllib.parse import quote

from shared.kinds import Kind


def prefix(kind: Kind) -> str:
    """``/api/v1`` for the core group, ``/apis/<group>/<version>`` for the others."""
    return f"/apis/{kind.group}/{kind.version}" if kind.group else f"/api/{kind.version}"


def collection_path(kind: Kind, namespace: str | None = None) -> str:
    """The collection; no (or an empty) ``namespace`` means all namespaces, and a
    cluster-scoped kind ignores it."""
    if namespace and kind.namespaced:
        return f"{prefix(kind)}/namespaces/{_segment(namespace)}/{kind.plural}"
    return f"{prefix(kind)}/{kind.plural}"


def object_path(kind: Kind, name: str, *, namespace: str | None = None, sub: str = "") -> str:
    """One object, or its subresource ``sub`` (``status``, ``scale``, ``log``, ``eviction``)."""
    out = f"{collection_path(kind, namespace)}/{_segment(name)}"
    return f"{out}/{sub}" if sub else out


def _segment(value: str) -> str:
    # Names and namespaces are DNS labels in practice; quoting keeps anything else from
    # changing which path is asked for (a "/" in a name must not reach another resource).
    return quote(value, safe="")
