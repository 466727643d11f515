"""⑧ What the alert routes share: an alert as JSON, who may see or act on it, and the 422 for
an alerting config that does not load (each problem with file, line and field).

An alert is in the scope of its ``cluster`` and ``namespace`` labels: a caller sees it when
they may read there; an alert about a whole cluster (ClusterOffline) when they see that
cluster; one without a cluster (a signal from elsewhere) only with a global grant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from master.alerts.config import AlertConfigError, ConfigProblem
from master.alerts.engine import AlertView
from master.auth.roles import Permission
from master.gateway.authz import Principal
from master.gateway.bodies import error_body
from master.gateway.responses import FastJSON


def may(principal: Principal, permission: Permission, labels: Mapping[str, str]) -> bool:
    cluster, namespace = labels.get("cluster", ""), labels.get("namespace", "")
    grants = principal.grants
    if cluster and not namespace:
        return grants.sees_cluster(cluster, permission)
    return grants.allows(permission, cluster, namespace)


def state_of(v: AlertView) -> str:
    rec = v.record
    if rec.status in ("pending", "resolved"):
        return rec.status
    if v.silenced_by or v.inhibited_by is not None:
        return "suppressed"
    return "active"


def alert_json(v: AlertView) -> dict[str, Any]:
    rec = v.record
    inhibited = v.inhibited_by
    return {
        "fingerprint": rec.fingerprint,
        "status": rec.status,
        "state": state_of(v),
        "flapping": rec.status == "flapping",
        "labels": rec.labels,
        "annotations": rec.annotations,
        "rule": rec.rule,
        "starts_at_ms": rec.starts_at_ms,
        "ends_at_ms": rec.ends_at_ms or None,
        "updated_at_ms": rec.updated_at_ms,
        "acked_by": rec.acked_by or None,
        "acked_at_ms": rec.acked_at_ms or None,
        "silenced_by": list(v.silenced_by),
        "inhibited_by": None if inhibited is None else {"rule": inhibited.rule, "by": inhibited.by},
        "receivers": list(v.receivers),
    }


def config_refused(e: AlertConfigError) -> FastJSON:
    return problems_refused("the alerting config", e.problems)


def problems_refused(what: str, found: Sequence[ConfigProblem]) -> FastJSON:
    """422 for a config file that was refused: the first problem in the message, each with
    file, line and field in ``problems``."""
    problems = [
        {"file": p.file, "line": str(p.line), "field": p.field, "message": p.message} for p in found
    ]
    body = error_body(422, f"{what} is invalid: {found[0]}", problems)
    return FastJSON(body, status_code=422)
