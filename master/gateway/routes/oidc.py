"""⑧ Single sign-on with OpenID Connect: the authorization code flow with PKCE, ending in the
same login session a password login starts (``master.gateway.sessions``).

``/auth/oidc/login`` sends the browser to the provider with a fresh state, nonce and PKCE
challenge, kept server-side (``master.auth.oidc_logins``) and bound to the browser by a
short-lived cookie; ``/auth/oidc/callback`` takes them back once, trades the code for an ID
token, verifies it (``master.auth.oidc``), maps it to a user and its groups, and redirects to
the page the login started from with the session cookies set. The dashboard then calls
``/auth/refresh`` for an access token, as after a reload.

Who gets in: with ``allowed_groups``, members of one of them only; and only someone holding
some role here (a global role, or a role binding of the user or one of its groups) -- the
provider knowing a person is not a reason to create an account for them. SSO users have no
password (``"!oidc"``, never a valid hash: password login always fails for them), and SSO never
signs in to an account that has a password: a provider-chosen ``preferred_username`` of
"admin" must not become the local admin. Every login, refusal and failure is audited
(``sso.login``)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from master.auth.access import new_secret
from master.auth.oidc import (
    Identity,
    OidcRefused,
    admitted,
    authorization_url,
    challenge_of,
    identity_of,
    new_nonce,
    new_state,
    new_verifier,
    safe_next,
)
from master.auth.roles import Permission
from master.errors import AuthError, Forbidden, NotFound
from master.gateway import sessions
from master.gateway.authz import grants_of, need
from master.gateway.errors import Unavailable
from master.gateway.oidc_client import OidcClient
from master.gateway.responses import FastJSON
from master.gateway.sessions import audit
from master.gateway.state import GatewayState, gateway_state
from master.store.errors import UserExists
from master.store.repositories.rows import UserRow
from shared.clock import now_ms

router = APIRouter(tags=["auth"])

LOGIN_PATH = "/api/v1/auth/oidc/login"
BROWSER_COOKIE = "lookout_oidc"
BROWSER_COOKIE_PATH = "/api/v1/auth/oidc"
NO_PASSWORD = "!oidc"  # not a hash passlib knows: verify_password is False for any password
ACTION = "sso.login"


def _client(state: GatewayState) -> OidcClient:
    if state.oidc is None or state.store is None or not state.jwt_secret:
        raise NotFound("single sign-on is not configured on this master")
    return state.oidc


@router.get("/auth/oidc", dependencies=[need(Permission.PUBLIC)])
async def oidc_status(request: Request) -> FastJSON:
    """Whether the login page should offer single sign-on, and where it starts."""
    state = gateway_state(request)
    enabled = state.oidc is not None and state.store is not None and bool(state.jwt_secret)
    return FastJSON({"enabled": enabled, "login_url": LOGIN_PATH})


@router.get("/auth/oidc/login", dependencies=[need(Permission.PUBLIC)])
async def oidc_login(
    request: Request, next: Annotated[str | None, Query(max_length=2048)] = None
) -> RedirectResponse:
    state = gateway_state(request)
    client = _client(state)
    provider = await client.provider()
    login_state, nonce, verifier, browser = new_state(), new_nonce(), new_verifier(), new_secret()
    state.oidc_logins.put(
        login_state,
        verifier=verifier,
        nonce=nonce,
        next_path=safe_next(next),
        browser=browser,
        now_s=time.time(),
    )
    config = client.config
    scopes = config.scopes if "openid" in config.scopes else ("openid", *config.scopes)
    url = authorization_url(
        provider,
        client_id=config.client_id,
        redirect_url=config.redirect_url,
        scopes=scopes,
        state=login_state,
        nonce=nonce,
        challenge=challenge_of(verifier),
    )
    response = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    # Lax, not Strict: the provider's redirect back is a cross-site navigation, which a Strict
    # cookie would not come with.
    response.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=int(state.oidc_logins.ttl_s),
        path=BROWSER_COOKIE_PATH,
        httponly=True,
        secure=state.secure_cookies,
        samesite="lax",
    )
    return response


@router.get("/auth/oidc/callback", dependencies=[need(Permission.PUBLIC)])
async def oidc_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=256)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
    iss: Annotated[str | None, Query(max_length=2048)] = None,
) -> RedirectResponse:
    gateway = gateway_state(request)
    client = _client(gateway)
    browser = request.cookies.get(BROWSER_COOKIE, "")
    pending = gateway.oidc_logins.take(state, browser=browser, now_s=time.time()) if state else None
    if pending is None:
        await audit(gateway, request, actor="", action=ACTION, outcome="failed", reason="state")
        raise AuthError("this sign-in is unknown, already used, expired or from another browser")
    # RFC 9207: a provider that names itself in the response must be the one we asked.
    wrong_issuer = iss is not None and iss != client.config.issuer
    if error or not code or wrong_issuer:
        reason = error or ("another issuer" if wrong_issuer else "no code")
        await audit(gateway, request, actor="", action=ACTION, outcome="failed", reason=reason)
        raise AuthError(f"the SSO provider did not sign you in: {reason}")
    try:
        id_token = await client.exchange(code, verifier=pending.verifier)
        claims = await client.verify(id_token, nonce=pending.nonce, now_s=time.time())
        who = identity_of(
            claims,
            username_claim=client.config.username_claim,
            groups_claim=client.config.groups_claim,
        )
    except OidcRefused as e:
        await audit(gateway, request, actor="", action=ACTION, outcome="failed", reason=str(e))
        raise
    except Unavailable as e:
        await audit(gateway, request, actor="", action=ACTION, outcome="error", reason=str(e))
        raise
    user = await _admit(gateway, request, client, who)
    answer, csrf = await sessions.start(gateway, user, who.groups)
    await audit(
        gateway, request, actor=user.username, action=ACTION, subject=who.subject, groups=who.groups
    )
    response = RedirectResponse(
        pending.next_path, status_code=302, headers={"Cache-Control": "no-store"}
    )
    sessions.set_cookies(response, gateway, answer["refresh_token"], csrf)
    response.delete_cookie(BROWSER_COOKIE, path=BROWSER_COOKIE_PATH)
    return response


async def _admit(
    state: GatewayState, request: Request, client: OidcClient, who: Identity
) -> UserRow:
    """The user row ``who`` signs in as (created now if need be); Forbidden, audited, when
    ``who`` may not sign in."""
    assert state.store is not None  # _client checked
    config = client.config

    async def refuse(reason: str, message: str) -> Forbidden:
        await audit(
            state,
            request,
            actor=who.username,
            action=ACTION,
            outcome="refused",
            reason=reason,
            subject=who.subject,
            groups=who.groups,
        )
        return Forbidden(message)

    if not admitted(who.groups, config.allowed_groups):
        raise await refuse("groups", "you are in none of the groups allowed to sign in here")
    existing = await state.store.users.get(who.username)
    if existing is not None and existing.password_hash != NO_PASSWORD:
        raise await refuse("local", f"{who.username!r} is a local account: sign in by password")
    if existing is not None and existing.disabled:
        raise await refuse("disabled", "this account is disabled")
    if existing is None and not config.auto_create:
        raise await refuse("unknown", "there is no account for you here; ask an admin")
    candidate = existing or UserRow(
        id=0,
        username=who.username,
        password_hash=NO_PASSWORD,
        role="",
        created_ms=0,
        disabled=False,
    )
    if not grants_of(candidate, who.groups, await state.store.bindings.list()).grants:
        raise await refuse("no role", "you have no role here; ask an admin for a role binding")
    if existing is not None:
        return existing
    try:
        user = await state.store.users.add(
            who.username, password_hash=NO_PASSWORD, role="", now_ms=now_ms()
        )
    except UserExists:  # the same person's first login in two tabs at once
        again = await state.store.users.get(who.username)
        if again is None or again.password_hash != NO_PASSWORD or again.disabled:
            raise await refuse("local", "this account cannot sign in by SSO") from None
        return again
    await audit(state, request, actor=who.username, action="user.create", via="sso")
    return user
