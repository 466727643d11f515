"""History routes, served from the SQL store: finding occurrences over time and node metric
series. Active findings and the current metrics summary come from the DataHub
(``routes.findings``); this module deliberately only reads history.

Times are RFC 3339 (with an offset) or epoch milliseconds; bad values and empty or reversed
ranges raise ``InvalidQuery`` (400 with a message, never 422 or 500)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from master.auth.roles import Permission
from master.errors import NotFound
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import StoreDep
from master.gateway.errors import InvalidQuery
from master.gateway.responses import FastJSON
from master.store import FindingOccurrence, Store
from shared.clock import now_ms
from shared.domain.findings import Severity

router = APIRouter(tags=["history"])

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MAX_LIMIT = 1_000
# ASCII digits only, and few of them: ``str.isdigit`` and ``\d`` also accept other scripts'
# digits and superscripts, which ``int`` then refuses (a 500), and thousands of digits are
# a ValueError of their own. 15 digits of epoch milliseconds reach past the year 30000.
_DIGITS = re.compile(r"[0-9]{1,15}", re.ASCII)
_DURATION = re.compile(r"([0-9]{1,9})(ms|s|m|h|d)", re.ASCII)
_UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": HOUR_MS, "d": DAY_MS}


def parse_time(name: str, text: str) -> int:
    """Epoch milliseconds from digits, or from an RFC 3339 timestamp with an offset."""
    if _DIGITS.fullmatch(text):
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidQuery(
            f"{name}={text!r} is neither epoch milliseconds nor an RFC 3339 time "
            "(e.g. 2025-01-31T12:00:00Z)"
        ) from None
    if when.tzinfo is None:
        raise InvalidQuery(f"{name}={text!r} needs a timezone offset (Z or +hh:mm)")
    return int(when.timestamp() * 1000)


def parse_step(text: str) -> int:
    """A duration (``30s``, ``5m``, ``1h``) or bare milliseconds, at least one second."""
    if _DIGITS.fullmatch(text):
        step = int(text)
    elif m := _DURATION.fullmatch(text):
        step = int(m.group(1)) * _UNIT_MS[m.group(2)]
    else:
        raise InvalidQuery(f"step={text!r} is not a duration like 30s, 5m or 1h, nor milliseconds")
    if step < 1_000:
        raise InvalidQuery(f"step={text!r} is below the 1 s minimum")
    return step


def parse_limit(text: str) -> int:
    """A page size from 1 to ``MAX_LIMIT``, in ASCII digits."""
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidQuery(f"limit={text!r} must be an integer from 1 to {MAX_LIMIT}")
    return int(text)


def parse_range(from_: str | None, to: str | None, *, default_span_ms: int) -> tuple[int, int]:
    end = parse_time("to", to) if to else now_ms()
    start = parse_time("from", from_) if from_ else end - default_span_ms
    if start >= end:
        raise InvalidQuery(f"from ({start}) must be before to ({end})")
    return start, end


async def known_cluster(store: Store, name: str) -> None:
    if await store.clusters.get(name) is None:
        raise NotFound(f"unknown cluster {name!r}")


def occurrence_view(o: FindingOccurrence) -> dict[str, Any]:
    return {
        "id": o.id,
        "fingerprint": o.fingerprint,
        "reason": o.reason,
        "severity": o.severity.label,
        "category": o.category,
        "subject": {
            "kind": o.subject_kind,
            "namespace": o.subject_ns,
            "name": o.subject_name,
            "uid": o.subject_uid,
        },
        "owner": o.owner or None,
        "node": o.node or None,
        "message": o.message,
        "opened_ms": o.opened_ms,
        "last_seen_ms": o.last_seen_ms,
        "resolved_ms": o.resolved_ms,
        "count": o.count,
        # The master's clock when it last wrote the occurrence; the *_ms above are the agent's.
        "received_ms": o.received_ms,
    }


@router.get(
    "/clusters/{name}/findings/history",
    dependencies=[need(Permission.READ, "cluster")],
    responses=error_responses(400),
)
async def findings_history(
    name: str,
    store: StoreDep,
    caller: Caller,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    reason: str | None = None,
    namespace: str | None = None,
    severity: str | None = None,
    limit: str = "100",
    cursor: str | None = None,
) -> FastJSON:
    """Finding occurrences active in [from, to) (default: the last 24 h; agent times), the one
    the master recorded last first (an agent clock that is off cannot reorder them);
    ``severity`` is a floor; page with ``cursor`` = the previous ``next_cursor``."""
    start, end = parse_range(from_, to, default_span_ms=DAY_MS)
    page_size = parse_limit(limit)
    try:
        floor = Severity.parse(severity) if severity else None
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    await known_cluster(store, name)
    try:
        page = await store.history.findings(
            name,
            from_ms=start,
            to_ms=end,
            reason=reason,
            namespace=namespace,
            namespaces=caller.grants.namespaces(name),
            severity=floor,
            limit=page_size,
            cursor=cursor,
        )
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    return FastJSON(
        {
            "from_ms": start,
            "to_ms": end,
            "items": [occurrence_view(o) for o in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@router.get(
    "/clusters/{name}/nodes/{node}/metrics",
    dependencies=[need(Permission.READ)],
    responses=error_responses(400),
)
async def node_metrics_history(
    name: str,
    node: str,
    store: StoreDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    step: str | None = None,
) -> FastJSON:
    """One node's metric series over [from, to) (default: the last hour). Ranges up to 6 h
    come from raw samples, up to 7 d from 5-minute roll-ups, beyond from hourly ones; a
    ``step`` coarser than that buckets further. Roll-up fields come as ``<field>_avg`` and
    ``<field>_max``. ``times_ms`` is the agent's clock; ``received_ms`` the master's when it
    stored each raw point (the latest in a bucket), null for roll-ups."""
    start, end = parse_range(from_, to, default_span_ms=HOUR_MS)
    step_ms = parse_step(step) if step else None
    await known_cluster(store, name)
    try:
        series = await store.history.node_series(
            name, node, from_ms=start, to_ms=end, step_ms=step_ms
        )
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    return FastJSON(
        {
            "cluster": name,
            "node": node,
            "from_ms": start,
            "to_ms": end,
            "resolution": series.resolution,
            "step_ms": series.step_ms,
            "times_ms": series.times_ms,
            # The master's receive time per point (raw samples only; null for roll-ups).
            "received_ms": series.received_ms,
            "series": series.values,
        }
    )
