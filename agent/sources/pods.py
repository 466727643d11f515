"""Pod source (core/v1 pods): the redacted pod projection and its quick health.

Keeps container statuses (state, last termination reason, restarts) because they are what an
operator reads first; drops everything else in status. Env values never leave (``trimming``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import cap, condition, conditions, meta, pick, pod_spec
from shared import kinds
from shared.domain.resources import Health

# Waiting reasons that mean the container will not start without someone changing something.
BROKEN_WAITING = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)


_STATUS_KEYS = ("name", "ready", "started", "restartCount", "image", "state", "lastState")


def _statuses(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    # state/lastState are kept as the API server wrote them: reason, exit code, times and the
    # termination message (which the kubelet already caps at 4 KiB per container).
    return [pick(c, _STATUS_KEYS) for c in items]


def health(status: Mapping[str, Any]) -> Health:
    phase = status.get("phase")
    if phase == "Succeeded":
        return "ok"
    if phase == "Failed":
        return "critical"
    for c in (
        *(status.get("initContainerStatuses") or ()),
        *(status.get("containerStatuses") or ()),
    ):
        if ((c.get("state") or {}).get("waiting") or {}).get("reason") in BROKEN_WAITING:
            return "critical"
    if phase == "Running" and condition(status.get("conditions"), "Ready").get("status") == "True":
        return "ok"
    return "warning" if phase in ("Pending", "Running") else "unknown"


_POD_STATUS_KEYS = ("phase", "reason", "podIP", "hostIP", "startTime", "qosClass")


def project(obj: Raw) -> Projection:
    status = obj.get("status") or {}
    out_status = pick(status, _POD_STATUS_KEYS)
    if "message" in status:
        out_status["message"] = cap(status["message"])
    conds = status.get("conditions")
    if conds:
        out_status["conditions"] = conditions(conds)
    for key in ("containerStatuses", "initContainerStatuses"):
        items = status.get(key)
        if items:
            out_status[key] = _statuses(items)
    body = {"metadata": meta(obj), "spec": pod_spec(obj.get("spec") or {}), "status": out_status}
    return Projection(body, health(status))


SPEC = SourceSpec(api=kinds.BY_RESOURCE["pods"], project=project)
