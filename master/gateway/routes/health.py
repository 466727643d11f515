"""Liveness and readiness: the only routes without authentication.

``/healthz`` says the process serves HTTP. ``/readyz`` says the master can do its work: it has
started (and is not shutting down), and its history store answers (``Store.unavailable``: the
writer runs and is not stuck, a probe query answers within its timeout). Not ready answers 503
with ``Retry-After``, so a load balancer sends no traffic meanwhile. The body names the
condition only, never the store's own error text: these routes are open to anyone."""

from __future__ import annotations

from fastapi import APIRouter, Request

from master.gateway.responses import FastJSON
from master.gateway.state import gateway_state

router = APIRouter()

RETRY_AFTER_S = 5  # about a kubelet probe period: when asking again is worth it


@router.get("/healthz", include_in_schema=False)
async def healthz() -> FastJSON:
    return FastJSON({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> FastJSON:
    state = gateway_state(request)
    if not state.ready.is_set():
        return _not_ready({"status": "starting"})
    if state.store is not None and await state.store.unavailable() is not None:
        return _not_ready({"status": "not ready", "store": "unavailable"})
    return FastJSON({"status": "ready"})


def _not_ready(body: dict[str, str]) -> FastJSON:
    return FastJSON(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})
