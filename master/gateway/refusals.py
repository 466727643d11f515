"""⑧ Refused requests in the audit log: every 401 and 403 the permission check answers is
recorded (who if known, from where, which route, why), so a probing script or a user poking at
another team's namespace shows up where admins look.

Bounded per source address: an attacker sending 10,000 bad tokens a second must not turn the
audit log into a write amplifier for the store. Each address may write ``BURST`` entries, then
one per ``REFILL_S``; what is dropped meanwhile is counted and written with the next entry
(``suppressed``), so the log still says how much happened. Keys are bounded like the login
throttle's."""

from __future__ import annotations

import logging
import time

from fastapi import Request

from master.gateway.metering import route_template
from master.gateway.sessions import audit, client_address
from master.gateway.state import GatewayState
from master.store.errors import StoreError

log = logging.getLogger(__name__)


async def record_refusal(
    state: GatewayState, request: Request, *, actor: str, status: int, reason: str
) -> None:
    source = client_address(request)
    dropped = state.refusals.admit(source, time.monotonic())
    if dropped is None:
        return
    templates = getattr(request.app.state, "route_templates", {})
    detail: dict[str, object] = {
        "route": route_template(request.scope, templates),
        "method": request.method,
        "status": status,
        "reason": reason,
    }
    if dropped:
        detail["suppressed"] = dropped
    cluster = str(request.path_params.get("name", ""))
    try:
        await audit(
            state,
            request,
            actor=actor,
            action="request.refused",
            outcome="refused",
            cluster=cluster,
            **detail,
        )
    except StoreError as e:  # the refusal itself must still be answered 401/403, not 503
        log.warning("could not audit a refused request: %s", e)
