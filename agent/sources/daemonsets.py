"""DaemonSet source (apps/v1): scheduling counts, redacted template."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta, status_fields, template
from shared import kinds
from shared.domain.resources import Health

_COUNTS = (
    "desiredNumberScheduled",
    "currentNumberScheduled",
    "numberReady",
    "numberAvailable",
    "numberUnavailable",
    "numberMisscheduled",
    "updatedNumberScheduled",
    "observedGeneration",
)


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    desired = status.get("desiredNumberScheduled") or 0
    ready = status.get("numberReady") or 0
    health: Health
    if desired and ready == 0:
        health = "critical"
    elif (status.get("numberUnavailable") or 0) > 0 or (status.get("numberMisscheduled") or 0):
        health = "warning"
    else:
        health = "ok"
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "selector": spec.get("selector"),
                "updateStrategy": (spec.get("updateStrategy") or {}).get("type"),
                "template": template(spec.get("template")),
            }
        ),
        "status": status_fields(status, _COUNTS),
    }
    return Projection(body, health)


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["daemonsets.apps"],
    project=project,
)
