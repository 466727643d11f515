"""PersistentVolume source (core/v1): phase, capacity, claim, class; the driver-specific
volume source is reduced to its type name (it can carry credentials references)."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import cap, compact, meta
from shared import kinds
from shared.domain.resources import Health

_HEALTH: dict[str, Health] = {
    "Bound": "ok",
    "Available": "ok",
    "Pending": "warning",
    "Released": "warning",
    "Failed": "critical",
}
_SPEC_FIELDS = frozenset(
    {
        "capacity",
        "accessModes",
        "claimRef",
        "persistentVolumeReclaimPolicy",
        "storageClassName",
        "volumeMode",
        "nodeAffinity",
        "mountOptions",
    }
)


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    phase = status.get("phase") or ""
    claim = spec.get("claimRef") or {}
    source = next((k for k in spec if k not in _SPEC_FIELDS), None)
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "capacity": spec.get("capacity"),
                "accessModes": spec.get("accessModes"),
                "reclaimPolicy": spec.get("persistentVolumeReclaimPolicy"),
                "storageClassName": spec.get("storageClassName"),
                "claimRef": compact(
                    {"namespace": claim.get("namespace"), "name": claim.get("name")}
                ),
                "source": source,
                "csiDriver": (spec.get("csi") or {}).get("driver"),
            }
        ),
        "status": compact(
            {"phase": phase, "reason": status.get("reason"), "message": cap(status.get("message"))}
        ),
    }
    return Projection(body, _HEALTH.get(phase, "unknown"))


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["persistentvolumes"],
    project=project,
)
