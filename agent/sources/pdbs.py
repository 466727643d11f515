"""PodDisruptionBudget source (policy/v1): bounds and how many disruptions are allowed now."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta, status_fields
from shared import kinds


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    healthy = status.get("currentHealthy") or 0
    wanted = status.get("desiredHealthy") or 0
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "minAvailable": spec.get("minAvailable"),
                "maxUnavailable": spec.get("maxUnavailable"),
                "selector": spec.get("selector"),
            }
        ),
        "status": status_fields(
            status, ("currentHealthy", "desiredHealthy", "expectedPods", "disruptionsAllowed")
        ),
    }
    return Projection(body, "warning" if healthy < wanted else "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["poddisruptionbudgets.policy"],
    project=project,
)
