"""Which nodes a pod may run on: taints and tolerations, node selectors, required node
affinity, and cordoned nodes — the filters kube-scheduler and the DaemonSet controller apply.

Owns: those pure predicates over raw Node/Pod JSON (no store, no clock).
Does not own: choosing among the nodes that fit (``kubelet``), or which pods a DaemonSet wants
(``daemonsets``). Preferred affinity, pod (anti-)affinity and resources are not modelled:
simulated nodes are large and equal.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubesim.kinds import Obj

UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


def tolerates(tolerations: Iterable[Obj], taint: Obj) -> bool:
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t["key"] == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def taints_tolerated(
    taints: Iterable[Obj],
    tolerations: list[Obj],
    *,
    effects: tuple[str, ...] = ("NoSchedule", "NoExecute"),
) -> bool:
    return all(tolerates(tolerations, t) for t in taints if t.get("effect") in effects)


def _term_matches(term: Obj, name: str, labels: dict[str, str]) -> bool:
    for expr in term.get("matchExpressions") or ():
        if not _expression(expr, labels.get(expr["key"]), expr["key"] in labels):
            return False
    for expr in term.get("matchFields") or ():
        if expr["key"] != "metadata.name" or not _expression(expr, name, True):
            return False
    return True


def _expression(expr: Obj, value: str | None, present: bool) -> bool:
    op, values = expr["operator"], expr.get("values") or []
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and value is not None and value.isdigit():
        return int(value) > int(values[0]) if op == "Gt" else int(value) < int(values[0])
    return False


def affinity_matches(pod_spec: Obj, name: str, labels: dict[str, str]) -> bool:
    """``nodeSelector`` and required node affinity (terms are ORed, expressions ANDed)."""
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    required = (
        ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms")
    return not required or any(_term_matches(t, name, labels) for t in required)


def fits(
    pod_spec: Obj, *, name: str, labels: dict[str, str], taints: list[Obj], cordoned: bool
) -> bool:
    """Whether the scheduler may bind a pod with ``pod_spec`` to a Ready node."""
    tolerations = list(pod_spec.get("tolerations") or ())
    if cordoned and not tolerates(
        tolerations, {"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}
    ):
        return False
    return affinity_matches(pod_spec, name, labels) and taints_tolerated(taints, tolerations)
