"""⑧ People: admins list, create, change and disable users; everyone changes their own password.

Passwords are write-only: no answer ever carries a hash. Every change is audited with who made
it. Two guards an admin would otherwise trip over: the last active admin cannot be demoted or
disabled (nobody could administer the master afterwards), and a disabled user's tokens stop
working at once (``Identities.forget``; other masters' caches expire within ``USER_TTL_S``).
Changing one's own password needs the current one, so a stolen access token cannot lock the
owner out."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from master.auth.passwords import MAX_LENGTH, hash_password, password_problems, verify_password
from master.auth.roles import Permission, Role
from master.errors import AuthError, Conflict, NotFound, Rejected
from master.gateway.authz import Caller, Principal, need
from master.gateway.bodies import error_responses
from master.gateway.deps import StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.state import gateway_state
from master.store import Store
from master.store.errors import UserExists
from master.store.repositories.rows import UserRow
from shared.clock import now_ms

router = APIRouter(tags=["users"])

USERNAME = r"^[a-z0-9][a-z0-9._@-]{0,127}$"
ROLES = "^(viewer|operator|admin)$"
# A user's global role; empty: none, the user holds only what role bindings give.
USER_ROLES = "^(viewer|operator|admin|)$"


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)
    role: str = Field(pattern=USER_ROLES)


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = Field(None, pattern=USER_ROLES)
    disabled: bool | None = None
    password: str | None = Field(None, min_length=1, max_length=MAX_LENGTH)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: str = Field(min_length=1, max_length=MAX_LENGTH)
    new: str = Field(min_length=1, max_length=MAX_LENGTH)


def user_view(u: UserRow) -> dict[str, Any]:
    return {
        "username": u.username,
        "role": u.role,
        "disabled": u.disabled,
        "created_ms": u.created_ms,
    }


def _checked(username: str, password: str) -> str:
    if problems := password_problems(username, password):
        raise Rejected(f"the password {', '.join(problems)}")
    return password


async def _audit(store: Store, caller: Principal, action: str, target: str, **detail: Any) -> None:
    await store.audit.append(
        at_ms=now_ms(), actor=caller.name, action=action, target=target, detail=detail
    )


async def _user(store: Store, username: str) -> UserRow:
    user = await store.users.get(username)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


async def end_sessions(store: Store, request: Request, username: str) -> None:
    """A changed role, password or disabled flag ends the user's sessions at once: a stolen
    session must not outlive a password reset, nor a demotion keep its old rights."""
    await store.sessions.revoke_user(username, now_ms())
    identities = gateway_state(request).identities
    identities.forget(username)
    identities.forget_all_sessions()


@router.get("/users", dependencies=[need(Permission.ADMIN)])
async def list_users(store: StoreDep) -> FastJSON:
    return FastJSON({"items": [user_view(u) for u in await store.users.list()]})


@router.post(
    "/users",
    status_code=201,
    dependencies=[need(Permission.ADMIN)],
    responses=error_responses(409),
)
@body_limit(4 * KiB)
async def create_user(body: NewUser, store: StoreDep, caller: Caller) -> FastJSON:
    digest = await asyncio.to_thread(hash_password, _checked(body.username, body.password))
    try:
        user = await store.users.add(
            body.username, password_hash=digest, role=body.role, now_ms=now_ms()
        )
    except UserExists as e:
        raise Conflict(str(e)) from e
    await _audit(store, caller, "user.create", body.username, role=body.role)
    return FastJSON(user_view(user), status_code=201)


@router.patch(
    "/users/{username}",
    dependencies=[need(Permission.ADMIN)],
    responses=error_responses(409),
)
@body_limit(4 * KiB)
async def change_user(
    username: str, body: UserChange, store: StoreDep, caller: Caller, request: Request
) -> FastJSON:
    user = await _user(store, username)
    stays_admin = (body.role or user.role) == Role.ADMIN.label and not (
        body.disabled if body.disabled is not None else user.disabled
    )
    if user.role == Role.ADMIN.label and not user.disabled and not stays_admin:
        admins = [u for u in await store.users.list() if u.role == Role.ADMIN.label]
        if not any(not u.disabled and u.username != username for u in admins):
            raise Conflict("this is the last active admin; make another admin first")
    digest = None
    if body.password is not None:
        digest = await asyncio.to_thread(hash_password, _checked(username, body.password))
    await store.users.update(username, password_hash=digest, role=body.role, disabled=body.disabled)
    await end_sessions(store, request, username)
    changed = {k: v for k, v in body.model_dump(exclude_none=True).items() if k != "password"}
    if body.password is not None:
        changed["password"] = "reset"  # never the value
    await _audit(store, caller, "user.change", username, **changed)
    return FastJSON(user_view(await _user(store, username)))


@router.post(
    "/auth/password",
    status_code=204,
    dependencies=[need(Permission.AUTHENTICATED)],
)
@body_limit(4 * KiB)
async def change_own_password(
    body: PasswordChange, store: StoreDep, caller: Caller, request: Request
) -> Response:
    if caller.kind != "user":
        raise Rejected("only a user has a password to change")
    user = await _user(store, caller.name)
    if not await asyncio.to_thread(verify_password, body.current, user.password_hash):
        raise AuthError("the current password is wrong")
    digest = await asyncio.to_thread(hash_password, _checked(caller.name, body.new))
    await store.users.update(caller.name, password_hash=digest, must_change=False)
    await end_sessions(store, request, caller.name)
    await _audit(store, caller, "user.password", caller.name)
    return Response(status_code=204)
