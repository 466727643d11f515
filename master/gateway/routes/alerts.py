"""⑧ Alerts: the active ones (filtered, or grouped as they are notified), acknowledge and
unacknowledge (operator, in the alert's scope), and the noise report. Reads come from the
alert service's engine; changes go through its task and are committed before the answer."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Response

from master.alerts.errors import UnknownAlert
from master.auth.roles import Permission
from master.errors import Forbidden, NotFound
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Alerts, StoreDep
from master.gateway.responses import FastJSON
from master.gateway.routes.alert_views import alert_json, may, state_of
from master.store import Store
from shared.clock import now_ms

router = APIRouter(tags=["alerts"])


@router.get("/alerts", dependencies=[need(Permission.READ, "anywhere")])
async def list_alerts(
    alerts: Alerts,
    caller: Caller,
    cluster: str | None = None,
    namespace: str | None = None,
    severity: str | None = None,
    state: str | None = None,
    receiver: str | None = None,
    view: Literal["list", "grouped"] = "list",
) -> FastJSON:
    """Every alert the caller may see; ``state``: active, suppressed, pending, resolved.
    ``view=grouped``: one entry per receiver and group, as they are notified."""
    items = []
    for v in alerts.view():
        labels = v.record.labels
        if not may(caller, Permission.READ, labels):
            continue
        if cluster is not None and labels.get("cluster") != cluster:
            continue
        if namespace is not None and labels.get("namespace") != namespace:
            continue
        if severity is not None and labels.get("severity") != severity:
            continue
        if state is not None and state_of(v) != state:
            continue
        if receiver is not None and receiver not in v.receivers:
            continue
        items.append(alert_json(v))
    if view == "list":
        return FastJSON({"items": items})
    return FastJSON({"groups": _grouped(alerts, items)})


def _grouped(alerts: Alerts, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    engine = alerts.engine
    # The engine's placement is the truth of who is in which group (what flushes notify).
    by_fp = {i["fingerprint"]: i for i in items}
    out = []
    for gid, g in sorted(engine.groups.items()):
        members = [by_fp[fp] for fp in engine.group_members(gid) if fp in by_fp]
        if not members:
            continue
        out.append(
            {
                "receiver": g.receiver,
                "group_key": g.group_key,
                "labels": g.labels,
                "count": len(members),
                "last_notified_ms": g.last_notified_ms or None,
                "alerts": members,
            }
        )
    return out


def _find(alerts: Alerts, caller: Principal, fingerprint: str) -> dict[str, str]:
    rec = alerts.engine.alerts.get(fingerprint)
    if rec is None or not may(caller, Permission.READ, rec.labels):
        raise NotFound(f"no alert {fingerprint!r}")
    if not may(caller, Permission.OPERATE, rec.labels):
        raise Forbidden("this needs the operate permission where the alert is")
    return rec.labels


async def _audit(store: Store, actor: str, action: str, fp: str, labels: dict[str, str]) -> None:
    await store.audit.append(
        at_ms=now_ms(),
        actor=actor,
        action=action,
        cluster=labels.get("cluster", ""),
        target=f"alert:{fp}",
        detail={"alertname": labels.get("alertname", ""), "namespace": labels.get("namespace", "")},
    )


@router.post(
    "/alerts/{fingerprint}/ack",
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(404),
)
async def acknowledge(
    fingerprint: str, alerts: Alerts, store: StoreDep, caller: Caller
) -> FastJSON:
    labels = _find(alerts, caller, fingerprint)
    try:
        await alerts.acknowledge(fingerprint, by=caller.name)
    except UnknownAlert as e:
        raise NotFound(f"no alert {fingerprint!r}") from e
    await _audit(store, caller.name, "alert.ack", fingerprint, labels)
    rec = alerts.engine.alerts[fingerprint]
    return FastJSON(
        {"fingerprint": fingerprint, "acked_by": rec.acked_by, "acked_at_ms": rec.acked_at_ms}
    )


@router.delete(
    "/alerts/{fingerprint}/ack",
    status_code=204,
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(404),
)
async def unacknowledge(
    fingerprint: str, alerts: Alerts, store: StoreDep, caller: Caller
) -> Response:
    labels = _find(alerts, caller, fingerprint)
    try:
        await alerts.unacknowledge(fingerprint)
    except UnknownAlert as e:
        raise NotFound(f"no alert {fingerprint!r}") from e
    await _audit(store, caller.name, "alert.unack", fingerprint, labels)
    return Response(status_code=204)


@router.get("/alerts/noise", dependencies=[need(Permission.READ, "anywhere")])
async def noise(alerts: Alerts) -> FastJSON:
    """Per rule and receiver: fires, flaps, quick resolves, silenced, acked, notifications over
    7 and 30 days, noisiest first."""
    rows = alerts.engine.noise.report(alerts.clock_ms())
    return FastJSON(
        {
            "items": [
                {
                    "scope": r.scope,
                    "name": r.name,
                    "days": r.days,
                    "counts": dict(r.counts),
                    "total": r.total,
                }
                for r in rows
            ]
        }
    )
