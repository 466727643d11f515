"""Node source (core/v1 nodes): capacity, conditions, taints, cordon flag; no images list.

The node's ``status.images`` (often hundreds of entries) is the bulk of a node object and is
dropped.
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, condition, conditions, meta
from shared import kinds
from shared.domain.resources import Health

PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conds = status.get("conditions")
    ready = condition(conds, "Ready").get("status")
    health: Health
    if ready != "True":
        health = "critical" if ready in ("False", "Unknown") else "unknown"
    elif any(condition(conds, t).get("status") == "True" for t in PRESSURE):
        health = "warning"
    else:
        health = "ok"
    info = status.get("nodeInfo") or {}
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "unschedulable": spec.get("unschedulable"),
                "taints": spec.get("taints"),
                "podCIDR": spec.get("podCIDR"),
                "providerID": spec.get("providerID"),
            }
        ),
        "status": compact(
            {
                "capacity": status.get("capacity"),
                "allocatable": status.get("allocatable"),
                "conditions": conditions(conds),
                "addresses": status.get("addresses"),
                "nodeInfo": compact(
                    {
                        k: info.get(k)
                        for k in (
                            "kubeletVersion",
                            "osImage",
                            "kernelVersion",
                            "containerRuntimeVersion",
                            "architecture",
                        )
                    }
                ),
            }
        ),
    }
    return Projection(body, health)


SPEC = SourceSpec(api=kinds.BY_RESOURCE["nodes"], project=project)
