"""StatefulSet source (apps/v1): counts, update revisions, redacted template."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta, status_fields, template
from shared import kinds
from shared.domain.resources import Health


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = spec.get("replicas", 1)
    ready = status.get("readyReplicas") or 0
    health: Health = "ok" if ready >= desired else ("critical" if ready == 0 else "warning")
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "replicas": desired,
                "serviceName": spec.get("serviceName"),
                "selector": spec.get("selector"),
                "podManagementPolicy": spec.get("podManagementPolicy"),
                "updateStrategy": (spec.get("updateStrategy") or {}).get("type"),
                "template": template(spec.get("template")),
            }
        ),
        "status": status_fields(
            status,
            (
                "observedGeneration",
                "replicas",
                "readyReplicas",
                "availableReplicas",
                "currentReplicas",
                "updatedReplicas",
                "currentRevision",
                "updateRevision",
            ),
        ),
    }
    return Projection(body, health)


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["statefulsets.apps"],
    project=project,
)
