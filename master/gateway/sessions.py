"""⑧ Starting, refreshing and ending login sessions: the part password login and SSO share.

A login returns a short-lived access JWT and a refresh token. API clients get both in the
body; browsers also get the refresh token as an ``HttpOnly; Secure; SameSite=Strict`` cookie
scoped to ``/api/v1/auth`` (script on the page never sees it, other sites never send it), and
a readable CSRF cookie whose value must come back in ``X-CSRF-Token`` when the refresh token
is taken from the cookie (double submit: another site can make the browser send the cookie,
not read it). Bearer-authenticated calls need no CSRF token: no browser attaches a bearer."""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import Request

from master.auth.access import digest, issue_access, new_secret
from master.errors import AuthError
from master.gateway.state import GatewayState
from master.store.repositories.rows import UserRow
from shared.clock import now_ms

REFRESH_PREFIX = "lkr_"
REFRESH_COOKIE = "lookout_refresh"
CSRF_COOKIE = "lookout_csrf"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/api/v1/auth"


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else ""


async def audit(
    state: GatewayState,
    request: Request,
    *,
    actor: str,
    action: str,
    outcome: str = "ok",
    cluster: str = "",
    **detail: Any,
) -> None:
    """An audit entry for a request (where it came from is the request's audit context)."""
    if state.store is None:
        return
    await state.store.audit.append(
        at_ms=now_ms(), actor=actor, action=action, cluster=cluster, detail=detail, outcome=outcome
    )


def _tokens(
    state: GatewayState, user: UserRow, family: str, refresh: str, expires_ms: int
) -> dict[str, Any]:
    token, claims = issue_access(
        state.jwt_secret,
        subject=user.username,
        session=family,
        now_s=int(time.time()),
        ttl_s=state.access_ttl_s,
    )
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": claims.expires_s - claims.issued_s,
        "refresh_token": refresh,
        "refresh_expires_ms": expires_ms,
        "user": {
            "username": user.username,
            "role": user.role,
            "must_change_password": user.must_change,
        },
    }


async def start(
    state: GatewayState, user: UserRow, groups: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str]:
    """A new session family for ``user``; returns the login body and the CSRF value."""
    if state.store is None:
        raise AuthError("logins are not enabled on this master")
    family = new_secret()[:22]
    refresh = new_secret(REFRESH_PREFIX)
    now = now_ms()
    expires = now + state.refresh_ttl_s * 1000
    await state.store.sessions.start(
        token_hash=digest(refresh),
        family=family,
        username=user.username,
        groups=groups,
        now_ms=now,
        expires_ms=expires,
    )
    return _tokens(state, user, family, refresh, expires), new_secret()[:32]


class RefreshReused(AuthError):
    """A refresh token presented a second time: its family is now revoked."""

    def __init__(self, username: str) -> None:
        super().__init__("invalid refresh token")
        self.username = username


async def rotate(state: GatewayState, refresh: str) -> dict[str, Any]:
    """Trade a refresh token for a new pair; raises AuthError for an unknown, used (reuse:
    the family is revoked), revoked or expired one, or a user no longer allowed in."""
    if state.store is None or not refresh.startswith(REFRESH_PREFIX):
        raise AuthError("invalid refresh token")
    successor = new_secret(REFRESH_PREFIX)
    now = now_ms()
    rotation = await state.store.sessions.rotate(
        digest(refresh),
        successor_hash=digest(successor),
        now_ms=now,
        expires_ms=now + state.refresh_ttl_s * 1000,
    )
    session = rotation.session
    if session is not None and rotation.reused:
        state.identities.forget_session(session.family)
        raise RefreshReused(session.username)
    if session is None or session.revoked_ms is not None:
        raise AuthError("invalid refresh token")
    if session.expires_ms <= now or session.used_ms is not None:
        raise AuthError("this session has expired; log in again")
    user = await state.store.users.get(session.username)
    if user is None or user.disabled:
        await state.store.sessions.revoke_family(session.family, now)
        raise AuthError("invalid refresh token")
    return _tokens(state, user, session.family, successor, session.expires_ms)


def refresh_from(request: Request, body_token: str | None) -> str:
    """The refresh token of a refresh/logout call: from the body (API clients), else from
    the cookie, which then needs the matching CSRF header."""
    if body_token:
        return body_token
    cookie = request.cookies.get(REFRESH_COOKIE, "")
    if not cookie:
        raise AuthError("no refresh token")
    sent = request.headers.get(CSRF_HEADER, "")
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise AuthError("a cookie-authenticated request needs the X-CSRF-Token header")
    return cookie


def set_cookies(response: Any, state: GatewayState, refresh: str, csrf: str) -> None:
    max_age = state.refresh_ttl_s
    response.set_cookie(
        REFRESH_COOKIE,
        refresh,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        secure=state.secure_cookies,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=max_age,
        path="/",
        httponly=False,
        secure=state.secure_cookies,
        samesite="strict",
    )


def clear_cookies(response: Any) -> None:
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
    response.delete_cookie(CSRF_COOKIE, path="/")
