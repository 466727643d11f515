"""⑧ The audit log over HTTP: operators page through their own entries, admins through
everyone's, and admins export it whole.

Who sees what is decided here, past the route's declared permission: ``operate`` lets an
operator in, and then only rows whose actor is the caller come back (an audit log that showed
every operator everyone's actions would leak what others did on clusters and to users); an
``admin`` grant sees all. Times are epoch milliseconds or RFC 3339, ``from`` inclusive, ``to``
exclusive; bad values are 400 with a message. The export streams page by page from the store
(``AuditRepo.scan``), so a year of entries is never in memory; tamper checking is the CLI's
(``lookout-master audit verify``), which reads the chain and its head in one snapshot."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from master.audit import exporting
from master.auth.roles import Permission
from master.gateway.authz import Caller, Principal, need
from master.gateway.deps import StoreDep
from master.gateway.errors import InvalidQuery
from master.gateway.responses import FastJSON
from master.gateway.routes.history import parse_limit, parse_time

router = APIRouter(tags=["audit"])

_ID = re.compile(r"[0-9]{1,18}", re.ASCII)  # an id that fits a BIGINT


def _filters(
    caller: Principal,
    *,
    actor: str | None,
    cluster: str | None,
    action: str | None,
    from_: str | None,
    to: str | None,
) -> dict[str, Any] | None:
    """``AuditRepo`` filters for this caller, or None when nothing can match (an operator
    asking for someone else's entries)."""
    if not caller.grants.allows(Permission.ADMIN):
        if actor not in (None, caller.name):
            return None
        actor = caller.name
    return {
        "actor": actor,
        "cluster": cluster,
        "action": action,
        "since_ms": parse_time("from", from_) if from_ else None,
        "until_ms": parse_time("to", to) if to else None,
    }


@router.get("/audit", dependencies=[need(Permission.OPERATE)])
async def list_audit(
    store: StoreDep,
    caller: Caller,
    actor: str | None = None,
    cluster: str | None = None,
    action: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    before_id: str | None = None,
    limit: str = "100",
) -> FastJSON:
    """Entries newest first; page with ``before_id`` = the previous ``next_before_id``."""
    page_size = parse_limit(limit)
    if before_id is not None and not _ID.fullmatch(before_id):
        raise InvalidQuery(f"before_id={before_id!r} must be an entry id")
    filters = _filters(caller, actor=actor, cluster=cluster, action=action, from_=from_, to=to)
    if filters is None:
        return FastJSON({"items": [], "next_before_id": None})
    rows = await store.audit.list(
        **filters, before_id=int(before_id) if before_id else None, limit=page_size
    )
    more = rows[-1].id if len(rows) == page_size else None
    return FastJSON({"items": [exporting.item(r) for r in rows], "next_before_id": more})


@router.get("/audit/export", dependencies=[need(Permission.ADMIN)])
async def export_audit(
    store: StoreDep,
    caller: Caller,
    format: str = "jsonl",
    actor: str | None = None,
    cluster: str | None = None,
    action: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
) -> StreamingResponse:
    """Every matching entry, oldest first, as JSON lines or CSV."""
    fmt = next((f for f in exporting.FORMATS if f == format), None)
    if fmt is None:
        raise InvalidQuery(f"format={format!r} must be one of {', '.join(exporting.FORMATS)}")
    filters = _filters(caller, actor=actor, cluster=cluster, action=action, from_=from_, to=to)
    assert filters is not None  # admins are never narrowed

    async def body() -> AsyncIterator[bytes]:
        yield exporting.header(fmt)
        async for rows in store.audit.scan(**filters):
            yield exporting.page(fmt, rows)

    return StreamingResponse(
        body(),
        media_type=exporting.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="lookout-audit.{fmt}"'},
    )
