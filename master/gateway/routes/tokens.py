"""⑧ API tokens for automation: a user makes tokens for themselves, an admin also for a named
service account (a CI job, a script). The token is shown once; only its digest is stored.

A token's rights are its role binding (``subject_kind = token``), never more than its maker
holds: a user cannot mint a token above their own role or outside their scope, and a user's
token is cut back at every use to what the user may do now (``Grants.within``). Another token
cannot make tokens: a leaked automation token must not be able to extend its own life."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from master.auth.access import API_TOKEN_PREFIX, digest
from master.auth.roles import PERMISSION_OF, Permission, Role, Scope
from master.errors import Forbidden, NotFound, Rejected
from master.gateway.authz import Caller, Principal, need
from master.gateway.deps import StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.gateway.routes.users import ROLES, USERNAME
from master.gateway.state import gateway_state
from master.store import Store
from master.store.repositories.rows import ApiTokenRow, BindingRow
from shared.clock import now_ms

router = APIRouter(tags=["tokens"])

DAY_MS = 86_400_000
MAX_DAYS = 3650


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=128, description="what it is for, e.g. 'ci-scale'")
    role: str = Field(pattern=ROLES)
    cluster: str = Field("", max_length=63)
    namespace: str = Field("", max_length=63)
    expires_in_days: int | None = Field(None, ge=1, le=MAX_DAYS)
    service_account: str | None = Field(
        None, pattern=USERNAME, description="admins only: the token acts as this account"
    )

    @model_validator(mode="after")
    def _scope(self) -> NewToken:
        if self.namespace and not self.cluster:
            raise ValueError("a namespace scope needs its cluster")
        return self


def token_view(row: ApiTokenRow, bindings: list[BindingRow]) -> dict[str, Any]:
    return {
        "id": row.token_id,
        "name": row.name,
        "owner": row.owner,
        "owner_kind": row.owner_kind,
        "created_by": row.created_by,
        "created_ms": row.created_ms,
        "expires_ms": row.expires_ms,
        "last_used_ms": row.last_used_ms,
        "revoked": row.revoked_ms is not None,
        "bindings": [
            {"role": b.role, "cluster": b.cluster, "namespace": b.namespace} for b in bindings
        ],
    }


def _is_admin(caller: Principal) -> bool:
    return caller.grants.allows(Permission.ADMIN)


async def _visible(store: Store, caller: Principal, token_id: str) -> ApiTokenRow:
    row = await store.api_tokens.get(token_id)
    if row is None or not (
        _is_admin(caller) or (row.owner_kind == "user" and row.owner == caller.name)
    ):
        raise NotFound(f"no API token {token_id!r}")
    return row


@router.get("/tokens", dependencies=[need(Permission.AUTHENTICATED)])
async def list_tokens(store: StoreDep, caller: Caller) -> FastJSON:
    """Admins see every token; everyone else their own."""
    rows = await store.api_tokens.list(owner=None if _is_admin(caller) else caller.name)
    if not _is_admin(caller):
        rows = [r for r in rows if r.owner_kind == "user"]
    bindings = await store.bindings.list(subject_kind="token")
    by_token: dict[str, list[BindingRow]] = {}
    for b in bindings:
        by_token.setdefault(b.subject, []).append(b)
    return FastJSON({"items": [token_view(r, by_token.get(r.token_id, [])) for r in rows]})


@router.post("/tokens", status_code=201, dependencies=[need(Permission.AUTHENTICATED)])
@body_limit(4 * KiB)
async def create_token(
    body: NewToken, store: StoreDep, caller: Caller, request: Request
) -> FastJSON:
    if caller.kind == "token":
        raise Forbidden("an API token cannot create API tokens")
    role = Role.parse(body.role)
    if body.service_account is not None:
        if not _is_admin(caller):
            raise Forbidden("only an admin makes tokens for a service account")
        owner, owner_kind = body.service_account, "service"
    elif caller.kind == "user":
        owner, owner_kind = caller.name, "user"
    else:
        raise Rejected("the break-glass token makes tokens only for a service_account")
    if not caller.grants.allows(PERMISSION_OF[role], body.cluster, body.namespace):
        raise Forbidden(
            f"you cannot grant {role.label} on {Scope(body.cluster, body.namespace).label}"
        )
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = now_ms()
    expires = None if body.expires_in_days is None else now + body.expires_in_days * DAY_MS
    row = await store.api_tokens.add(
        token_id=token_id,
        token_hash=digest(secret),
        name=body.name,
        owner=owner,
        owner_kind=owner_kind,
        created_by=caller.name,
        now_ms=now,
        expires_ms=expires,
    )
    binding = await store.bindings.add(
        subject_kind="token",
        subject=token_id,
        role=role.label,
        cluster=body.cluster,
        namespace=body.namespace,
        created_by=caller.name,
        now_ms=now,
    )
    gateway_state(request).identities.forget_bindings()
    await store.audit.append(
        at_ms=now,
        actor=caller.name,
        action="token.create",
        cluster=body.cluster,
        target=token_id,
        detail={"name": body.name, "owner": owner, "role": role.label, "expires_ms": expires},
    )
    view = token_view(row, [binding])
    view["token"] = f"{API_TOKEN_PREFIX}{token_id}_{secret}"  # shown this once
    return FastJSON(view, status_code=201)


@router.delete("/tokens/{token_id}", status_code=204, dependencies=[need(Permission.AUTHENTICATED)])
async def revoke_token(
    token_id: str, store: StoreDep, caller: Caller, request: Request
) -> Response:
    await _visible(store, caller, token_id)
    await store.api_tokens.revoke(token_id, now_ms())
    gateway_state(request).identities.forget_token(token_id)
    await store.audit.append(
        at_ms=now_ms(), actor=caller.name, action="token.revoke", target=token_id
    )
    return Response(status_code=204)
