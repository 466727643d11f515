"""Deployment source (apps/v1): replica counts, conditions, strategy, redacted template."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, condition, meta, status_fields, template
from shared import kinds
from shared.domain.resources import Health


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = spec.get("replicas", 1)
    available = status.get("availableReplicas") or 0
    progressing = condition(status.get("conditions"), "Progressing")
    health: Health
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        health = "critical"
    elif available >= desired:
        health = "ok"
    else:
        health = "critical" if available == 0 else "warning"
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "replicas": desired,
                "paused": spec.get("paused"),
                "selector": spec.get("selector"),
                "strategy": (spec.get("strategy") or {}).get("type"),
                "progressDeadlineSeconds": spec.get("progressDeadlineSeconds"),
                "template": template(spec.get("template")),
            }
        ),
        "status": status_fields(
            status,
            (
                "observedGeneration",
                "replicas",
                "updatedReplicas",
                "readyReplicas",
                "availableReplicas",
                "unavailableReplicas",
            ),
        ),
    }
    return Projection(body, health)


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["deployments.apps"],
    project=project,
)
