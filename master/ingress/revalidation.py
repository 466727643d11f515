"""⑤ Live sessions end as soon as their token stops holding.

``lookout-master cluster revoke/rotate`` is another process (and another master replica may
share the database), so the running master cannot be told; it looks instead. Every
:data:`RECHECK_S` one query reads every cluster's current token, and each live session whose
token was revoked or rotated, or whose cluster is gone (``master.clusters.auth.session_verdict``),
is told to end (``SessionRegistry.end``): its stream closes with UNAUTHENTICATED within about
that period, no command is queued on it from then on, and its reconnect is refused at the hello.

A store that cannot answer ends nothing: a session is only ended on a verdict, never because
the check failed (it is logged, once per outage, and retried next period).

Does not own the verdict (``master.clusters.auth``) nor how a session stops (``stream``)."""

from __future__ import annotations

import asyncio
import logging

from master.clusters.auth import TokenListing, session_verdict
from master.ingress.sessions import SessionRegistry

log = logging.getLogger(__name__)

# Seconds between checks: a revoked token's session ends within about this long. One small
# query per period, and none while no agent is connected.
RECHECK_S = 0.5


async def check_sessions(registry: SessionRegistry, tokens: TokenListing) -> int:
    """End every live session whose token no longer holds; returns how many were ended."""
    slots = [slot for slot in registry.sessions() if not slot.replaced.is_set()]
    if not slots:
        return 0
    current = {row.name: row for row in await tokens.list()}
    ended = 0
    for slot in slots:
        why = session_verdict(
            current.get(slot.cluster), cluster=slot.cluster, token_id=slot.token_id
        )
        if why is not None and not slot.replaced.is_set():
            log.warning("cluster %s: ending session %s: %s", slot.cluster, slot.session_id, why)
            registry.end(slot, why)
            ended += 1
    return ended


async def revalidate_sessions(
    registry: SessionRegistry,
    tokens: TokenListing,
    *,
    stop: asyncio.Event,
    every_s: float = RECHECK_S,
) -> None:
    """Run :func:`check_sessions` every ``every_s`` until ``stop`` is set."""
    failing = False
    while not stop.is_set():
        try:
            await check_sessions(registry, tokens)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # the store is down or busy: keep the sessions, try again
            if not failing:
                log.warning("cannot re-check agent tokens (sessions kept meanwhile): %s", e)
            failing = True
        else:
            if failing:
                log.info("agent tokens re-checked again")
            failing = False
        try:
            async with asyncio.timeout(every_s):
                await stop.wait()
        except TimeoutError:
            pass
