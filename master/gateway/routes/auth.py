"""⑧ Logging in: a username and password for a short-lived access token, and who am I.

Unknown user and wrong password get the same 401 body and cost the same argon2 verify (the
unknown user is checked against a dummy hash). Failures are throttled per username as typed
and per client address (``master.auth.throttle``); a throttled attempt is answered 429 with
Retry-After before any password is checked. Every login, failure and lockout is audited.

Argon2 runs in a worker thread: ~70 ms of CPU on the event loop would stall every other
request and the agents' streams."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from master.auth.access import issue_access, new_secret
from master.auth.passwords import MAX_LENGTH, hash_password, needs_rehash, verify_password
from master.auth.roles import Permission
from master.errors import AuthError, Throttled
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.limits import body_limit
from master.gateway.responses import FastJSON
from master.gateway.state import GatewayState, gateway_state
from master.store.repositories.audit import AuditEntry
from shared.clock import now_ms

router = APIRouter(tags=["auth"])

LOGIN_BODY_MAX = 4 * 1024
_REFUSED = "invalid username or password"


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else ""


async def _audit(
    state: GatewayState, request: Request, *, actor: str, action: str, outcome: str, **detail: Any
) -> None:
    if state.store is None:
        return
    detail |= {"source": _client(request), "user_agent": request.headers.get("user-agent", "")}
    await state.store.audit.write(
        AuditEntry(at_ms=now_ms(), actor=actor, action=action, detail=detail, outcome=outcome)
    )


@router.post(
    "/auth/login",
    dependencies=[need(Permission.PUBLIC)],
    responses=error_responses(400, 413, 429),
)
@body_limit(LOGIN_BODY_MAX)
async def login(body: Login, request: Request) -> FastJSON:
    state = gateway_state(request)
    if not state.jwt_secret or state.store is None:
        raise AuthError("logins are not enabled on this master")
    keys = (f"user:{body.username.lower()}", f"addr:{_client(request)}")
    now = time.monotonic()
    wait = max(state.throttle.wait_s(k, now) for k in keys)
    if wait > 0:
        state.metrics.login_failures.labels("throttled").inc()
        await _audit(state, request, actor=body.username, action="login", outcome="throttled")
        raise Throttled("too many failed logins; try again later", retry_after_s=wait)
    user = await state.store.users.get(body.username)
    stored = user.password_hash if user is not None else None
    ok = await asyncio.to_thread(verify_password, body.password, stored)
    if not ok or user is None or user.disabled:
        locked = [state.throttle.failed(k, time.monotonic()) for k in keys]
        reason = "unknown_user" if user is None else "disabled" if ok else "bad_password"
        state.metrics.login_failures.labels(reason).inc()
        await _audit(state, request, actor=body.username, action="login", outcome="failed")
        if any(locked):
            await _audit(state, request, actor=body.username, action="lockout", outcome="locked")
        raise AuthError(_REFUSED)
    for k in keys:
        state.throttle.succeeded(k)
    if needs_rehash(user.password_hash):
        new_hash = await asyncio.to_thread(hash_password, body.password)
        await state.store.users.update(user.username, password_hash=new_hash)
    session = new_secret()[:22]
    token, claims = issue_access(
        state.jwt_secret,
        subject=user.username,
        session=session,
        epoch=0,
        now_s=int(time.time()),
        ttl_s=state.access_ttl_s,
    )
    await _audit(state, request, actor=user.username, action="login", outcome="ok")
    return FastJSON(
        {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": claims.expires_s - claims.issued_s,
            "user": {"username": user.username, "role": user.role},
        }
    )


def me_view(principal: Principal) -> dict[str, Any]:
    return {
        "name": principal.name,
        "kind": principal.kind,
        "role": principal.role,
        "grants": [
            {"role": g.role.label, "cluster": g.scope.cluster, "namespace": g.scope.namespace}
            for g in principal.grants.grants
        ],
    }


@router.get("/auth/me", dependencies=[need(Permission.AUTHENTICATED)])
async def me(principal: Caller) -> FastJSON:
    return FastJSON(me_view(principal))
