"""⑧ Silences: list (readers, of what they may see), create and expire (operator), and a
preview of the alerts a set of matchers would silence. Matchers are text, as Alertmanager
writes them (``namespace="shop"``, ``alertname=~"Crash.*"``).

An operator with a scoped grant may only silence inside it: the matchers must pin
``cluster`` (and ``namespace``, for a namespace grant) with ``=`` to a place they operate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from master.alerts.engine import AlertView
from master.alerts.errors import MatcherError, SilenceError, UnknownAlert
from master.alerts.matchers import Matcher, matches_all, parse_matcher_list
from master.alerts.silences import Silence
from master.auth.roles import Permission
from master.errors import Forbidden, NotFound, Rejected
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Alerts, StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.routes.alert_views import alert_json, may
from shared.clock import now_ms

router = APIRouter(tags=["silences"])

MAX_DURATION_MS = 366 * 86_400_000  # a silence for longer than a year is a disabled rule
MAX_MS = 2**53  # far beyond any date, and within every database's BIGINT


class NewSilence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matchers: list[str] = Field(min_length=1, max_length=32)
    starts_at_ms: int | None = Field(None, ge=0, le=MAX_MS, description="default: now")
    ends_at_ms: int | None = Field(None, ge=0, le=MAX_MS, description="or duration_s")
    duration_s: int | None = Field(None, gt=0, le=MAX_DURATION_MS // 1000)
    comment: str = Field(min_length=1, max_length=2_000)


def _pinned(matchers: list[Matcher]) -> tuple[str, str]:
    eq = {m.name: m.value for m in matchers if m.op == "="}
    return eq.get("cluster", ""), eq.get("namespace", "")


def _scope_labels(matchers: list[Matcher]) -> dict[str, str]:
    cluster, namespace = _pinned(matchers)
    out = {"cluster": cluster} if cluster else {}
    if namespace:
        out["namespace"] = namespace
    return out


def silence_json(s: Silence, now: int) -> dict[str, Any]:
    state = "active" if s.active_at(now) else ("pending" if now < s.starts_at_ms else "expired")
    return {**s.to_dict(), "state": state}


def _parse(texts: list[str]) -> list[Matcher]:
    try:
        return list(parse_matcher_list(texts))
    except (MatcherError, ValueError) as e:
        raise Rejected(f"bad matcher: {e}") from e


def _may_operate(caller: Principal, matchers: list[Matcher]) -> bool:
    if caller.grants.allows(Permission.OPERATE):
        return True
    labels = _scope_labels(matchers)
    return bool(labels) and may(caller, Permission.OPERATE, labels)


def _matching(views: list[AlertView], caller: Principal, ms: list[Matcher]) -> list[Any]:
    return [
        alert_json(v)
        for v in views
        if may(caller, Permission.READ, v.record.labels) and matches_all(ms, v.record.labels)
    ]


@router.get("/silences", dependencies=[need(Permission.READ, "anywhere")])
async def list_silences(alerts: Alerts, caller: Caller, state: str | None = None) -> FastJSON:
    now = alerts.clock_ms()
    items = []
    for s in sorted(alerts.engine.silences.values(), key=lambda s: -s.created_at_ms):
        labels = _scope_labels(list(s.matchers))
        if not (
            caller.grants.allows(Permission.READ)
            or (labels and may(caller, Permission.READ, labels))
        ):
            continue
        j = silence_json(s, now)
        if state is None or j["state"] == state:
            items.append(j)
    return FastJSON({"items": items})


@router.get(
    "/silences/preview",
    dependencies=[need(Permission.READ, "anywhere")],
    responses=error_responses(422),
)
async def preview(
    alerts: Alerts, caller: Caller, matcher: Annotated[list[str], Query(max_length=32)]
) -> FastJSON:
    """The alerts these matchers (``?matcher=...`` repeated) would silence now, of those the
    caller may see."""
    ms = _parse(matcher)
    return FastJSON({"items": _matching(alerts.view(), caller, ms)})


@router.post(
    "/silences",
    status_code=201,
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(422),
)
@body_limit(16 * KiB)
async def create_silence(
    body: NewSilence, alerts: Alerts, store: StoreDep, caller: Caller
) -> FastJSON:
    ms = _parse(body.matchers)
    if not _may_operate(caller, ms):
        raise Forbidden(
            "a scoped operator's silence must pin cluster (and namespace) with = to their scope"
        )
    now = now_ms()
    start = body.starts_at_ms if body.starts_at_ms is not None else now
    if body.ends_at_ms is not None:
        end = body.ends_at_ms
    elif body.duration_s is not None:
        end = start + body.duration_s * 1000
    else:
        raise Rejected("give ends_at_ms or duration_s")
    if end - start > MAX_DURATION_MS:
        raise Rejected("a silence may last a year at most; disable the rule instead")
    try:
        s = await alerts.add_silence(
            matchers=body.matchers,
            starts_at_ms=start,
            ends_at_ms=end,
            created_by=caller.name,
            comment=body.comment,
        )
    except SilenceError as e:
        raise Rejected(str(e)) from e
    await store.audit.append(
        at_ms=now,
        actor=caller.name,
        action="silence.create",
        cluster=_pinned(ms)[0],
        target=f"silence:{s.id}",
        detail={"matchers": body.matchers, "ends_at_ms": end, "comment": body.comment},
    )
    out = silence_json(s, alerts.clock_ms())
    out["matching"] = _matching(alerts.view(), caller, ms)
    return FastJSON(out, status_code=201)


@router.post(
    "/silences/{silence_id}/expire",
    dependencies=[need(Permission.OPERATE, "anywhere")],
    responses=error_responses(404),
)
async def expire_silence(
    silence_id: str, alerts: Alerts, store: StoreDep, caller: Caller
) -> FastJSON:
    found = alerts.engine.silences.get(silence_id)
    if found is None or not _may_operate(caller, list(found.matchers)):
        raise NotFound(f"no silence {silence_id!r}")
    try:
        s = await alerts.expire_silence(silence_id)
    except UnknownAlert as e:
        raise NotFound(f"no silence {silence_id!r}") from e
    await store.audit.append(
        at_ms=now_ms(),
        actor=caller.name,
        action="silence.expire",
        cluster=_pinned(list(s.matchers))[0],
        target=f"silence:{s.id}",
        detail={"matchers": [str(m) for m in s.matchers]},
    )
    return FastJSON(silence_json(s, alerts.clock_ms()))
