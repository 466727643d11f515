"""Small helpers several commands share (owner lookup, timestamps, field selectors, a
workload's containers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.executor.errors import CommandFailure
from shared.domain.refs import ObjectRef


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return dict(ref)
    return None


def rfc3339_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(obj: dict[str, Any]) -> dict[str, Any]:
    m: dict[str, Any] = obj.get("metadata") or {}
    return m


def field_selector(terms: dict[str, str]) -> str:
    """``a=b,c=d`` from ``terms``, each value escaped as Kubernetes' ``fields.EscapeValue``
    does: a ``,`` or ``=`` inside a value must never add or change a term."""
    return ",".join(f"{field}={escape_field_value(v)}" for field, v in terms.items())


def escape_field_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def template_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec of a workload's template (empty when it has none)."""
    spec: dict[str, Any] = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    return spec


def container_index(spec: dict[str, Any], name: str, target: ObjectRef) -> int:
    """Where container ``name`` is in ``spec.containers``; ``not_found`` naming the ones there
    are, so the operator sees the typo at once."""
    names = [str(c.get("name")) for c in spec.get("containers") or ()]
    if name not in names:
        listed = ", ".join(sorted(names)) or "none"
        raise CommandFailure(
            "not_found", f"{target} has no container {name!r} (containers: {listed})"
        )
    return names.index(name)
