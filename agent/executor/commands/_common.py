"""Small helpers several commands share (owner lookup, timestamps)."""

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
