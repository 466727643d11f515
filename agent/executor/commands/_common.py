"""Small helpers several commands share (owner lookup, timestamps, field selectors)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


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
