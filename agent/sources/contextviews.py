"""The slim views of objects kept for the detectors' lookups (``agent.detect.context.Context``).

Detectors judge one object but sometimes look at others: a Deployment's pods by selector, a
pod's ReplicaSet -> Deployment owner chain, a CronJob's Jobs, a Service's EndpointSlices. The
agent keeps no full objects, so for each kind that can be looked up it keeps only the fields
those lookups read (about 0.5 KiB per pod instead of ~7 KiB of raw JSON).

Owns the ``CONTEXT_VIEWS`` table (kind -> view function). Kinds not in the table are never
looked up and cost nothing. Does not own the index itself (``agent.detect.context``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agent.sources.spec import Raw
from agent.sources.trimming import compact, pick

View = Callable[[Raw], dict[str, Any]]


_META_KEYS = (
    "name",
    "namespace",
    "uid",
    "labels",
    "creationTimestamp",
    "deletionTimestamp",
)
_OWNER_KEYS = ("kind", "name", "uid", "controller")
_COND_KEYS = ("type", "status", "reason", "lastTransitionTime")


def _meta(obj: Raw) -> dict[str, Any]:
    m: Mapping[str, Any] = obj.get("metadata") or {}
    out = pick(m, _META_KEYS)
    owners = m.get("ownerReferences")
    if owners:
        out["ownerReferences"] = [pick(o, _OWNER_KEYS) for o in owners]
    return out


def _cond_view(conds: Any, keep: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    return [pick(c, _COND_KEYS) for c in conds or () if keep is None or c.get("type") in keep]


def meta_only(obj: Raw) -> dict[str, Any]:
    """Enough to follow owner references upwards."""
    return {"metadata": _meta(obj)}


def pod(obj: Raw) -> dict[str, Any]:
    # Hot path (every pod event): the two conditions are shared with the raw object, not
    # copied; they are small and the raw object is dropped right after.
    status = obj.get("status") or {}
    view_status: dict[str, Any] = {}
    if "phase" in status:
        view_status["phase"] = status["phase"]
    conds = [c for c in status.get("conditions") or () if c.get("type") in _POD_CONDITIONS]
    if conds:
        view_status["conditions"] = conds
    node = (obj.get("spec") or {}).get("nodeName")
    return {
        "metadata": _meta(obj),
        "spec": {"nodeName": node} if node else {},
        "status": view_status,
    }


_POD_CONDITIONS = frozenset({"Ready", "PodScheduled"})


def job(obj: Raw) -> dict[str, Any]:
    status = obj.get("status") or {}
    return {
        "metadata": _meta(obj),
        "status": compact(
            {
                "conditions": _cond_view(status.get("conditions")),
                "startTime": status.get("startTime"),
                "completionTime": status.get("completionTime"),
                "active": status.get("active"),
                "succeeded": status.get("succeeded"),
                "failed": status.get("failed"),
            }
        ),
    }


def endpoint_slice(obj: Raw) -> dict[str, Any]:
    return {
        "metadata": _meta(obj),
        "endpoints": [
            {"conditions": compact({"ready": (ep.get("conditions") or {}).get("ready")})}
            for ep in obj.get("endpoints") or ()
        ],
    }


def storage_class(obj: Raw) -> dict[str, Any]:
    return {"metadata": _meta(obj), "volumeBindingMode": obj.get("volumeBindingMode")}


CONTEXT_VIEWS: dict[str, View] = {
    "Pod": pod,
    "ReplicaSet": meta_only,
    "Deployment": meta_only,
    "StatefulSet": meta_only,
    "DaemonSet": meta_only,
    "Job": job,
    "CronJob": meta_only,
    "EndpointSlice": endpoint_slice,
    "StorageClass": storage_class,
}
