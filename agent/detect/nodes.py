"""Node rules: NodeNotReady (Ready False or Unknown), the pressure conditions,
NetworkUnavailable and Cordoned.

Owns judging one node from its conditions and spec. No duration gates: the node lifecycle
controller already waits (40 s of missed heartbeats) before it flips Ready to Unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from agent.detect.making import Scope, subject_of
from agent.detect.objects import Node
from agent.detect.times import parse_ms
from shared.domain.findings import Finding

# Condition type -> the status that is bad; the reason reported is the condition type.
BAD_CONDITIONS: dict[str, str] = {
    "MemoryPressure": "True",
    "DiskPressure": "True",
    "PIDPressure": "True",
    "NetworkUnavailable": "True",
}
CORDON_TAINT = "node.kubernetes.io/unschedulable"


def detect_node(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    node = cast(Node, obj)
    meta = node.get("metadata") or {}
    name = meta.get("name", "")
    rep = scope.reporter(subject_of("Node", meta), node=name)
    for cond in (node.get("status") or {}).get("conditions") or []:
        kind, status = cond.get("type", ""), cond.get("status", "")
        since = parse_ms(cond.get("lastTransitionTime"))
        detail = cond.get("message") or cond.get("reason") or ""
        tail = f": {detail}" if detail else ""
        if kind == "Ready" and status in ("False", "Unknown"):
            rep.add(
                "NodeNotReady",
                f"node {name} Ready={status}{tail}",
                since_ms=since,
                attrs={"status": status, "condition_reason": cond.get("reason", "")},
            )
        elif BAD_CONDITIONS.get(kind) == status:
            rep.add(kind, f"node {name} {kind}{tail}", since_ms=since)
    spec = node.get("spec") or {}
    if spec.get("unschedulable"):
        added = next(
            (
                parse_ms(t.get("timeAdded"))
                for t in spec.get("taints") or []
                if t.get("key") == CORDON_TAINT
            ),
            None,
        )
        rep.add("Cordoned", f"node {name} is cordoned (unschedulable)", since_ms=added)
    return rep.findings
