"""⑧ Logging in and out: a username and password for a session, refreshing it, ending it, and
who am I. Sessions themselves (tokens, cookies, CSRF) are ``master.gateway.sessions``.

Unknown user and wrong password get the same 401 body and cost the same argon2 verify (the
unknown user is checked against a dummy hash). Failures are throttled per username as typed
and per client address (``master.auth.throttle``); a throttled attempt is answered 429 with
Retry-After before any password is checked. Every login, failure, lockout, refresh-token
reuse and logout is audited.

Argon2 runs in a worker thread: ~70 ms of CPU on the event loop would stall every other
request and the agents' streams."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from master.auth.passwords import MAX_LENGTH, hash_password, needs_rehash, verify_password
from master.auth.roles import Permission
from master.errors import AuthError, Throttled
from master.gateway import sessions
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.sessions import audit, client_address
from master.gateway.state import gateway_state
from shared.clock import now_ms

router = APIRouter(tags=["auth"])

LOGIN_BODY_MAX = 4 * KiB
_REFUSED = "invalid username or password"


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class Refresh(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(None, max_length=128)


@router.post(
    "/auth/login",
    dependencies=[need(Permission.PUBLIC)],
    responses=error_responses(429),
)
@body_limit(LOGIN_BODY_MAX)
async def login(body: Login, request: Request) -> FastJSON:
    state = gateway_state(request)
    if not state.jwt_secret or state.store is None:
        raise AuthError("logins are not enabled on this master")
    keys = (f"user:{body.username.lower()}", f"addr:{client_address(request)}")
    now = time.monotonic()
    wait = max(state.throttle.wait_s(k, now) for k in keys)
    if wait > 0:
        state.metrics.login_failures.labels("throttled").inc()
        await audit(state, request, actor=body.username, action="login", outcome="throttled")
        raise Throttled("too many failed logins; try again later", retry_after_s=wait)
    user = await state.store.users.get(body.username)
    stored = user.password_hash if user is not None else None
    ok = await asyncio.to_thread(verify_password, body.password, stored)
    if not ok or user is None or user.disabled:
        locked = [state.throttle.failed(k, time.monotonic()) for k in keys]
        reason = "unknown_user" if user is None else "disabled" if ok else "bad_password"
        state.metrics.login_failures.labels(reason).inc()
        await audit(state, request, actor=body.username, action="login", outcome="failed")
        if any(locked):
            await audit(state, request, actor=body.username, action="lockout", outcome="locked")
        raise AuthError(_REFUSED)
    for k in keys:
        state.throttle.succeeded(k)
    if needs_rehash(user.password_hash):
        new_hash = await asyncio.to_thread(hash_password, body.password)
        await state.store.users.update(user.username, password_hash=new_hash)
    answer, csrf = await sessions.start(state, user)
    await audit(state, request, actor=user.username, action="login")
    response = FastJSON(answer)
    sessions.set_cookies(response, state, answer["refresh_token"], csrf)
    return response


@router.post("/auth/refresh", dependencies=[need(Permission.PUBLIC)])
@body_limit(1 * KiB)
async def refresh(request: Request, body: Refresh | None = None) -> FastJSON:
    """A new access token and a new refresh token for a refresh token (used up by this)."""
    state = gateway_state(request)
    presented = sessions.refresh_from(request, body.refresh_token if body else None)
    try:
        answer = await sessions.rotate(state, presented)
    except sessions.RefreshReused as e:
        await audit(state, request, actor=e.username, action="refresh", outcome="reused")
        raise
    # Audited like a login: a stolen refresh token shows up as refreshes from a new address.
    await audit(state, request, actor=answer["user"]["username"], action="refresh")
    response = FastJSON(answer)
    if not (body and body.refresh_token):  # the browser's cookie: replace it
        csrf = request.cookies[sessions.CSRF_COOKIE]
        sessions.set_cookies(response, state, answer["refresh_token"], csrf)
    return response


@router.post("/auth/logout", status_code=204, dependencies=[need(Permission.AUTHENTICATED)])
@body_limit(1 * KiB)
async def logout(request: Request, caller: Caller) -> Response:
    """End the caller's session: its refresh tokens stop working and so does this access
    token (within a second on other replicas)."""
    state = gateway_state(request)
    if caller.session and state.store is not None:
        await state.store.sessions.revoke_family(caller.session, now_ms())
        state.identities.forget_session(caller.session)
    await audit(state, request, actor=caller.name, action="logout")
    response = Response(status_code=204)
    sessions.clear_cookies(response)
    return response


def me_view(principal: Principal) -> dict[str, Any]:
    return {
        "name": principal.name,
        "kind": principal.kind,
        "role": principal.role,
        "groups": list(principal.groups),
        "grants": [
            {"role": g.role.label, "cluster": g.scope.cluster, "namespace": g.scope.namespace}
            for g in principal.grants.grants
        ],
    }


@router.get("/auth/me", dependencies=[need(Permission.AUTHENTICATED)])
async def me(principal: Caller) -> FastJSON:
    return FastJSON(me_view(principal))
