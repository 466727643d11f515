"""Active findings per cluster (from the DataHub) and the cluster's current node metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from master.auth.roles import Permission
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Cluster
from master.gateway.errors import InvalidQuery
from master.gateway.responses import FastJSON
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

router = APIRouter(tags=["findings"])


def _ref(ref: ObjectRef | None) -> dict[str, str] | None:
    if ref is None:
        return None
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name, "uid": ref.uid}


def finding_view(f: Finding) -> dict[str, Any]:
    return {
        "fingerprint": f.fingerprint,
        "reason": f.reason,
        "severity": f.severity.label,
        "category": f.category,
        "subject": _ref(f.subject),
        "owner": _ref(f.owner),
        "node": f.node or None,
        "message": f.message,
        "first_seen_ms": f.first_seen_ms,
        "last_seen_ms": f.last_seen_ms,
        "count": f.count,
        "attrs": dict(f.attrs),
    }


@router.get(
    "/clusters/{name}/findings",
    dependencies=[need(Permission.READ, "cluster")],
    responses=error_responses(400),
)
async def active_findings(
    state: Cluster,
    caller: Caller,
    severity: str | None = None,
    namespace: str | None = None,
    reason: str | None = None,
) -> FastJSON:
    try:
        floor = Severity.parse(severity) if severity else Severity.INFO
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    allowed = caller.grants.namespaces(state.name)  # None: all, node findings too
    items = sorted(
        (
            f
            for f in state.active_findings()
            if f.severity >= floor
            and (allowed is None or f.subject.namespace in allowed)
            and (namespace is None or f.subject.namespace == namespace)
            and (reason is None or f.reason == reason)
        ),
        key=lambda f: (-f.severity, -f.last_seen_ms, f.fingerprint),
    )
    return FastJSON({"items": [finding_view(f) for f in items]})


@router.get("/clusters/{name}/metrics/summary", dependencies=[need(Permission.READ)])
async def metrics_summary(state: Cluster) -> FastJSON:
    samples = list(state.node_metrics.values())
    mem_total = sum(s.memory.total_bytes for s in samples)
    mem_used = sum(s.memory.used_bytes for s in samples)
    fs_total = sum(f.total_bytes for s in samples for f in s.filesystems)
    fs_used = sum(f.used_bytes for s in samples for f in s.filesystems)
    cpu = sum(s.cpu_percent for s in samples) / len(samples) if samples else None
    return FastJSON(
        {
            "nodes": len(samples),
            "cpu_percent": cpu,
            "memory": {"used_bytes": mem_used, "total_bytes": mem_total},
            "disk": {"used_bytes": fs_used, "total_bytes": fs_total},
            "per_node": {
                s.node: {
                    "at_ms": s.at_ms,
                    "cpu_percent": s.cpu_percent,
                    "memory_used_bytes": s.memory.used_bytes,
                    "memory_total_bytes": s.memory.total_bytes,
                    "load1": s.load1,
                }
                for s in sorted(samples, key=lambda s: s.node)
            },
        }
    )
