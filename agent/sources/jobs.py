"""Job source (batch/v1): completion state, counts, redacted template."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, condition, meta, status_fields, template
from shared import kinds
from shared.domain.resources import Health


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conds = status.get("conditions")
    health: Health = "critical" if condition(conds, "Failed").get("status") == "True" else "ok"
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                k: spec.get(k)
                for k in (
                    "parallelism",
                    "completions",
                    "backoffLimit",
                    "activeDeadlineSeconds",
                    "suspend",
                    "selector",
                )
            }
            | {"template": template(spec.get("template"))}
        ),
        "status": status_fields(
            status, ("active", "succeeded", "failed", "ready", "startTime", "completionTime")
        ),
    }
    return Projection(body, health)


SPEC = SourceSpec(api=kinds.BY_RESOURCE["jobs.batch"], project=project)
