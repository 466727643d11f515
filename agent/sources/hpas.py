"""HorizontalPodAutoscaler source (autoscaling/v2): target, bounds, replicas, conditions."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, condition, meta, status_fields
from shared import kinds
from shared.domain.resources import Health


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conds = status.get("conditions")
    health: Health = "ok"
    if any(condition(conds, t).get("status") == "False" for t in ("AbleToScale", "ScalingActive")):
        health = "warning"
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "scaleTargetRef": spec.get("scaleTargetRef"),
                "minReplicas": spec.get("minReplicas"),
                "maxReplicas": spec.get("maxReplicas"),
                "metrics": spec.get("metrics"),
            }
        ),
        "status": status_fields(
            status, ("currentReplicas", "desiredReplicas", "lastScaleTime", "currentMetrics")
        ),
    }
    return Projection(body, health)


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["horizontalpodautoscalers.autoscaling"],
    project=project,
)
