"""The error-budget policy (per SLO, off by default): while an SLO's budget is exhausted,
risky changes to the workloads behind its service -- a new image, fewer replicas -- need an
admin's override with a reason. Pure: the SLOs, their statuses and the cluster's mirror (as
lookups) in, the SLOs that hold the command back out.

Which workloads are "behind" a service is decided as Kubernetes decides it: the Service
named by the SLO (in the SLO's namespace, or the command's when the SLO names none) selects
the pods whose labels include its selector, and a workload is behind it when its pod template
carries those labels. A service without a selector (or unknown to the mirror) covers nothing:
the policy cannot see a link there, so it does not guess one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from master.slo.definitions import Slo

RISKY_TYPES = frozenset({"set_image", "scale"})

Lookup = Callable[[str, str, str], Mapping[str, Any] | None]  # (kind, namespace, name) -> body


@dataclass(frozen=True, slots=True)
class Held:
    slo: str
    remaining: float  # the budget left, as a fraction (<= 0)


def risky(cmd_type: str, params: Mapping[str, Any], workload: Mapping[str, Any] | None) -> bool:
    """A new image, or a scale to fewer replicas than the workload has (or an unknown count:
    without the mirror's word a scale may be a scale down)."""
    if cmd_type == "set_image":
        return True
    if cmd_type != "scale":
        return False
    current = ((workload or {}).get("spec") or {}).get("replicas")
    return not isinstance(current, int) or int(params.get("replicas", 0)) < current


def _template_labels(workload: Mapping[str, Any]) -> Mapping[str, str]:
    tpl = (workload.get("spec") or {}).get("template") or {}
    labels = (tpl.get("metadata") or {}).get("labels") or {}
    return labels if isinstance(labels, Mapping) else {}


def behind(slo: Slo, namespace: str, workload: Mapping[str, Any], lookup: Lookup) -> bool:
    if slo.namespace and slo.namespace != namespace:
        return False
    service = lookup("Service", namespace, slo.service)
    selector = ((service or {}).get("spec") or {}).get("selector") or {}
    if not selector or not isinstance(selector, Mapping):
        return False
    labels = _template_labels(workload)
    return all(labels.get(k) == v for k, v in selector.items())


def holding(
    slos: Iterable[Slo],
    remaining: Mapping[str, float],
    *,
    cluster: str,
    kind: str,
    namespace: str,
    name: str,
    cmd_type: str,
    params: Mapping[str, Any],
    lookup: Lookup,
) -> list[Held]:
    """The exhausted SLOs (policy on) whose service the command's risky change would touch."""
    if cmd_type not in RISKY_TYPES:
        return []
    workload = lookup(kind, namespace, name)
    if not risky(cmd_type, params, workload):
        return []
    out = []
    for slo in slos:
        left = remaining.get(slo.name)
        if slo.cluster != cluster or left is None or left > 0:
            continue
        if workload is not None and behind(slo, namespace, workload, lookup):
            out.append(Held(slo.name, left))
    return out
