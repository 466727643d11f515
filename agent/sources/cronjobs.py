"""CronJob source (batch/v1): schedule, last runs, redacted job template.

Whether the last Job failed is judged by the detectors from the Jobs it owns; the CronJob's own
health is only "suspended or not".
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta, template
from shared import kinds


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "schedule": spec.get("schedule"),
                "timeZone": spec.get("timeZone"),
                "suspend": spec.get("suspend"),
                "concurrencyPolicy": spec.get("concurrencyPolicy"),
                "jobTemplate": {
                    "spec": compact(
                        {
                            "backoffLimit": job_spec.get("backoffLimit"),
                            "template": template(job_spec.get("template")),
                        }
                    )
                },
            }
        ),
        "status": compact(
            {
                "lastScheduleTime": status.get("lastScheduleTime"),
                "lastSuccessfulTime": status.get("lastSuccessfulTime"),
                "active": [
                    compact({"name": a.get("name"), "uid": a.get("uid")})
                    for a in status.get("active") or ()
                ],
            }
        ),
    }
    return Projection(body, "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["cronjobs.batch"],
    project=project,
)
