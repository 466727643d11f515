"""ReplicaSet source (apps/v1): counts and owner; the template is dropped (the Deployment has it).

ReplicaSets matter mostly as the link pod -> ReplicaSet -> Deployment; old, scaled-to-zero
ReplicaSets (ten per Deployment by default) should cost little, hence no template.
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta, status_fields
from shared import kinds


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = spec.get("replicas", 1)
    ready = status.get("readyReplicas") or 0
    body = {
        "metadata": meta(obj),
        "spec": compact({"replicas": desired, "selector": spec.get("selector")}),
        "status": status_fields(status, ("replicas", "readyReplicas", "availableReplicas")),
    }
    return Projection(body, "ok" if ready >= desired else "warning")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["replicasets.apps"],
    project=project,
)
