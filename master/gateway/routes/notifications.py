"""⑧ Notification delivery (admin): the alerting config (get with secrets masked, validate,
replace), receivers with test-send, and the notification log with dead letters and retry.

Receiver secrets are write-only: a GET shows ``<secret>`` in their place, and the config's
text is never echoed back. A replaced config is refused with 422 naming file, line and field,
and the running one stays in force."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from master.alerting.receivers import masked
from master.alerts.config import AlertConfigError
from master.auth.roles import Permission
from master.errors import Conflict, NotFound
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Alerts, StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.routes.alert_views import config_refused
from master.notify.errors import SendFailed
from master.store.repositories.notifications import LogRow, OutboxRow
from shared.clock import now_ms

router = APIRouter(tags=["notifications"])

CONFIG_MAX = 512 * KiB
MAX_ID = 2**53  # beyond any id, and within every driver's integer (SQLite's is 64-bit)
Limit = Annotated[int, Query(ge=1, le=1000)]


class ConfigText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml: str = Field(min_length=1, max_length=CONFIG_MAX)


def _config_json(alerts: Alerts) -> dict[str, Any]:
    loaded = alerts.loaded
    data = loaded.config.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return {"source": loaded.source, "config": masked(data)}


@router.get("/alert-config", dependencies=[need(Permission.ADMIN)])
async def get_config(alerts: Alerts) -> FastJSON:
    return FastJSON(_config_json(alerts))


@router.post(
    "/alert-config/validate", dependencies=[need(Permission.ADMIN)], responses=error_responses(422)
)
@body_limit(CONFIG_MAX + 4 * KiB)
async def validate_config(
    body: ConfigText, alerts: Alerts, store: StoreDep, caller: Caller
) -> FastJSON:
    """Checks a config without running it. Audited like the other admin POSTs: what was
    tried before a config was put is part of its story."""
    try:
        loaded = alerts.validate(body.yaml)
    except AlertConfigError as e:
        await _audit_config(store, caller.name, "alert_config.validate", e)
        return config_refused(e)
    await _audit_config(store, caller.name, "alert_config.validate", None)
    return FastJSON({"valid": True, "receivers": sorted(loaded.receivers.by_name)})


async def _audit_config(
    store: StoreDep, actor: str, action: str, e: AlertConfigError | None, **detail: Any
) -> None:
    if e is not None:
        detail["problems"] = [str(p) for p in e.problems][:20]
    refused = e is not None or "refused" in detail
    await store.audit.append(
        at_ms=now_ms(),
        actor=actor,
        action=action,
        cluster="",
        target="alert-config",
        detail=detail,
        outcome="refused" if refused else "ok",
    )


@router.put("/alert-config", dependencies=[need(Permission.ADMIN)], responses=error_responses(422))
@body_limit(CONFIG_MAX + 4 * KiB)
async def put_config(body: ConfigText, alerts: Alerts, store: StoreDep, caller: Caller) -> FastJSON:
    try:
        loaded = await alerts.replace_config(body.yaml)
    except AlertConfigError as e:
        await _audit_config(store, caller.name, "alert_config.replace", e)
        return config_refused(e)
    except Conflict as e:  # mounted read-only: refused, and the refusal is part of the story
        await _audit_config(store, caller.name, "alert_config.replace", None, refused=str(e))
        raise
    receivers = sorted(loaded.receivers.by_name)
    await _audit_config(store, caller.name, "alert_config.replace", None, receivers=receivers)
    return FastJSON(_config_json(alerts))


@router.get("/receivers", dependencies=[need(Permission.ADMIN)])
async def list_receivers(alerts: Alerts) -> FastJSON:
    items = [
        {
            "name": r.name,
            "channel": r.channel,
            "language": r.language,
            "max_concurrency": r.max_concurrency,
            "config": masked(r.config.model_dump(mode="json")),
        }
        for _, r in sorted(alerts.loaded.receivers.by_name.items())
    ]
    return FastJSON({"items": items})


@router.post(
    "/receivers/{receiver}/test",
    dependencies=[need(Permission.ADMIN)],
    responses=error_responses(404),
)
async def test_receiver(receiver: str, alerts: Alerts, store: StoreDep, caller: Caller) -> FastJSON:
    """Sends a synthetic notification now; the answer says what the receiver said."""
    if alerts.loaded.receivers.get(receiver) is None:
        raise NotFound(f"no receiver {receiver!r}")
    try:
        status = await alerts.test_send(receiver)
        result: dict[str, Any] = {"sent": True, "status": status}
    except SendFailed as e:
        result = {"sent": False, "status": e.status, "error": e.detail}
    await store.audit.append(
        at_ms=now_ms(),
        actor=caller.name,
        action="receiver.test",
        cluster="",
        target=f"receiver:{receiver}",
        detail=result,
        outcome="ok" if result["sent"] else "failed",
    )
    return FastJSON({"receiver": receiver, **result})


def _outbox_json(r: OutboxRow) -> dict[str, Any]:
    payload = r.payload
    return {
        "id": r.id,
        "receiver": r.receiver,
        "group_key": r.group_key,
        "idempotency_key": r.idempotency_key,
        "status": payload.get("status"),
        "alerts": len(payload.get("alerts", [])),
        "state": r.state,
        "attempts": r.attempts,
        "next_at_ms": r.next_at_ms,
        "last_status": r.status,
        "last_error": r.last_error,
        "created_ms": r.created_ms,
        "updated_ms": r.updated_ms,
    }


def _log_json(r: LogRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "notification_id": r.outbox_id,
        "receiver": r.receiver,
        "channel": r.channel,
        "attempt": r.attempt,
        "at_ms": r.at_ms,
        "outcome": r.outcome,
        "status": r.status,
        "error": r.error,
        "next_attempt_ms": r.next_attempt_ms,
    }


@router.get("/notifications", dependencies=[need(Permission.ADMIN)])
async def list_notifications(
    store: StoreDep,
    state: str | None = None,
    receiver: str | None = None,
    limit: Limit = 100,
) -> FastJSON:
    """The outbox, newest first (``state=dead``: the dead letters)."""
    rows = await store.notifications.rows(state=state, receiver=receiver, limit=limit)
    return FastJSON({"items": [_outbox_json(r) for r in rows]})


@router.get("/notifications/log", dependencies=[need(Permission.ADMIN)])
async def notification_log(
    store: StoreDep,
    notification_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    receiver: str | None = None,
    limit: Limit = 100,
) -> FastJSON:
    """One line per delivery attempt, newest first."""
    rows = await store.notifications.attempts(
        outbox_id=notification_id, receiver=receiver, limit=limit
    )
    return FastJSON({"items": [_log_json(r) for r in rows]})


@router.post(
    "/notifications/{notification_id}/retry",
    dependencies=[need(Permission.ADMIN)],
    responses=error_responses(404),
)
async def retry_notification(
    notification_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    alerts: Alerts,
    store: StoreDep,
    caller: Caller,
) -> FastJSON:
    """A dead letter back to pending now (its dead-letter clock starts again)."""
    row = await store.notifications.retry(notification_id, now_ms=now_ms())
    if row is None:
        raise NotFound(f"no dead notification {notification_id}")
    alerts.deliveries.set()
    await store.audit.append(
        at_ms=now_ms(),
        actor=caller.name,
        action="notification.retry",
        cluster="",
        target=f"notification:{notification_id}",
        detail={"receiver": row.receiver, "idempotency_key": row.idempotency_key},
    )
    return FastJSON(_outbox_json(row))
