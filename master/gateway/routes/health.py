"""Liveness and readiness: the only routes without authentication."""

from __future__ import annotations

from fastapi import APIRouter, Request

from master.gateway.responses import FastJSON
from master.gateway.state import gateway_state

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> FastJSON:
    return FastJSON({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> FastJSON:
    ready = gateway_state(request).ready.is_set()
    return FastJSON({"status": "ready" if ready else "starting"}, status_code=200 if ready else 503)
