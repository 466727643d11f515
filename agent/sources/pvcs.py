"""PersistentVolumeClaim source (core/v1): phase, requested/actual size, class, volume."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, conditions, meta
from shared import kinds
from shared.domain.resources import Health

_HEALTH: dict[str, Health] = {"Bound": "ok", "Pending": "warning", "Lost": "critical"}


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    phase = status.get("phase") or ""
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "storageClassName": spec.get("storageClassName"),
                "accessModes": spec.get("accessModes"),
                "volumeName": spec.get("volumeName"),
                "volumeMode": spec.get("volumeMode"),
                "requests": (spec.get("resources") or {}).get("requests"),
            }
        ),
        "status": compact(
            {
                "phase": phase,
                "capacity": status.get("capacity"),
                "conditions": conditions(status.get("conditions")),
            }
        ),
    }
    return Projection(body, _HEALTH.get(phase, "unknown"))


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["persistentvolumeclaims"],
    project=project,
)
