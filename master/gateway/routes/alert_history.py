"""⑧ Alert history: ended alert episodes from the SQL store, newest first, filtered and paged
with a keyset cursor, scoped like ``/alerts`` (a caller sees only the alerts whose cluster and
namespace they may read). Active alerts come from the alert service (``routes.alerts``); this
module deliberately only reads what the store kept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from master.auth.roles import Permission
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import StoreDep
from master.gateway.errors import InvalidQuery
from master.gateway.responses import FastJSON
from master.gateway.routes.alert_views import may
from master.gateway.routes.history import DAY_MS, parse_limit, parse_range
from master.store.repositories.alert_history import PastAlert

router = APIRouter(tags=["alerts"])


def past_alert_json(a: PastAlert) -> dict[str, Any]:
    return {
        "id": a.id,
        "fingerprint": a.fingerprint,
        "labels": a.labels,
        "annotations": a.annotations,
        "rule": a.rule,
        "starts_at_ms": a.starts_at_ms,
        "ends_at_ms": a.ends_at_ms,
        "acked_by": a.acked_by or None,
        "recorded_ms": a.recorded_ms,
    }


@router.get(
    "/alerts/history",
    dependencies=[need(Permission.READ, "anywhere")],
    responses=error_responses(400),
)
async def alerts_history(
    store: StoreDep,
    caller: Caller,
    cluster: str | None = None,
    namespace: str | None = None,
    severity: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    limit: str = "100",
    cursor: str | None = None,
) -> FastJSON:
    """Alert episodes (fired, then resolved) overlapping [from, to) (default: the last 7 days),
    the one recorded last first; page with ``cursor`` = the previous ``next_cursor`` (null: no
    more). ``severity`` is exact (info, warning, critical), as on ``/alerts``."""
    start, end = parse_range(from_, to, default_span_ms=7 * DAY_MS)
    page_size = parse_limit(limit)
    try:
        page = await store.alert_history.page(
            from_ms=start,
            to_ms=end,
            visible=lambda labels: may(caller, Permission.READ, labels),
            cluster=cluster,
            namespace=namespace,
            severity=severity,
            limit=page_size,
            cursor=cursor,
        )
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    return FastJSON(
        {
            "from_ms": start,
            "to_ms": end,
            "items": [past_alert_json(a) for a in page.items],
            "next_cursor": page.next_cursor,
        }
    )
