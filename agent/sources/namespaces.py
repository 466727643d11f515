"""Namespace source (core/v1 namespaces): phase only."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, conditions, meta
from shared import kinds


def project(obj: Raw) -> Projection:
    status = obj.get("status") or {}
    phase = status.get("phase")
    body = {
        "metadata": meta(obj),
        "status": compact({"phase": phase, "conditions": conditions(status.get("conditions"))}),
    }
    return Projection(body, "ok" if phase in (None, "Active") else "warning")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["namespaces"],
    project=project,
)
