"""⑧ Who is calling, and may they: the one permission check every /api/v1 route goes through.

Every route declares what it needs with ``Need(Permission.X)`` as a dependency; ``create_app``
refuses to start when a route under /api/v1 declares nothing (``undeclared``), and the route x
role matrix test walks the same declarations. Buttons the dashboard hides are a courtesy; this
is the check.

A caller is one of: an access JWT from ``/auth/login`` (its user looked up, so a disabled or
deleted user is refused at once), or the optional break-glass ``MASTER_API_TOKEN`` (global
admin, off unless set). Objects of a cluster the caller cannot see at all answer 404, as if they
did not exist, so names do not leak; a visible object with too little right answers 403.

Cost: ``master.gateway.identities`` keeps verified JWTs and user rows, so a request pays a
dict lookup, not an HMAC and a database read."""

from __future__ import annotations

import contextlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from master.audit import context as audit_context
from master.auth.access import API_TOKEN_PREFIX, TokenRefused, same_digest
from master.auth.roles import GLOBAL, Grant, Grants, Permission, Role, Scope
from master.errors import AuthError, Forbidden, NotFound
from master.gateway.refusals import record_refusal
from master.gateway.state import GatewayState, gateway_state
from master.store.repositories.rows import BindingRow, UserRow
from shared.clock import now_ms

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, for permission checks and the audit log."""

    name: str  # username, service account, or "api-token" (break-glass); "" when anonymous
    kind: str  # "user" | "token" | "break-glass" | "anonymous"
    grants: Grants
    session: str = ""  # the refresh family of a user's access token
    groups: tuple[str, ...] = ()
    token_id: str = ""  # an API token's id

    @property
    def role(self) -> str:
        top = self.grants.highest
        return top.label if top is not None else ""

    def sees(self, cluster: str, namespace: str = "") -> bool:
        """May the caller read objects of ``cluster``/``namespace`` (list filtering)?"""
        return self.grants.allows(Permission.READ, cluster, namespace)


ANONYMOUS = Principal("", "anonymous", Grants.of(()))
BREAK_GLASS = Principal("api-token", "break-glass", Grants.of((Grant(Role.ADMIN),)))


def binding_grant(b: BindingRow) -> Grant | None:
    try:
        return Grant(Role.parse(b.role), Scope(b.cluster, b.namespace))
    except ValueError:  # an unknown role or a malformed scope grants nothing
        return None


def grants_of(
    user: UserRow, groups: tuple[str, ...] = (), bindings: Iterable[BindingRow] = ()
) -> Grants:
    """A user's global role (``users.role``, may be empty) plus the bindings of the user and
    of each of its groups."""
    subjects = {("user", user.username)} | {("group", g) for g in groups}
    found: list[Grant] = []
    if user.role:
        with contextlib.suppress(ValueError):
            found.append(Grant(Role.parse(user.role), GLOBAL))
    for b in bindings:
        if (b.subject_kind, b.subject) in subjects and (g := binding_grant(b)) is not None:
            found.append(g)
    return Grants.of(found)


def split_api_token(token: str) -> tuple[str, str] | None:
    """``lko_<id>_<secret>`` -> (id, secret); None when it is not shaped like an API token."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    token_id, sep, secret = token[len(API_TOKEN_PREFIX) :].partition("_")
    return (token_id, secret) if sep and token_id and secret else None


async def _api_token_principal(state: GatewayState, token_id: str, secret: str) -> Principal:
    row = await state.identities.token(state.store, token_id)
    now = now_ms()
    if (
        row is None
        or not same_digest(secret, row.token_hash)
        or row.revoked_ms is not None
        or (row.expires_ms is not None and row.expires_ms <= now)
    ):
        raise AuthError("invalid bearer token")
    bindings = await state.identities.bindings(state.store)
    own = Grants.of(
        g
        for b in bindings
        if b.subject_kind == "token" and b.subject == token_id
        if (g := binding_grant(b)) is not None
    )
    if row.owner_kind == "user":
        owner = await state.identities.user(state.store, row.owner)
        if owner is None or owner.disabled:
            raise AuthError("invalid bearer token")
        own = own.within(grants_of(owner, (), bindings))
    state.tokens_used.note(token_id, now)
    return Principal(row.owner, "token", own, token_id=token_id)


async def authenticate(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    state = gateway_state(request)
    if creds is None or creds.scheme.lower() != "bearer":
        raise AuthError("missing bearer token")
    token = creds.credentials
    if state.api_token and hmac.compare_digest(token.encode(), state.api_token.encode()):
        return BREAK_GLASS
    if (parts := split_api_token(token)) is not None:
        return await _api_token_principal(state, *parts)
    try:
        claims = state.identities.verified(state.jwt_secret, token, time.time())
    except TokenRefused as e:
        raise AuthError("invalid bearer token") from e
    user = await state.identities.user(state.store, claims.subject)
    if user is None or user.disabled:
        raise AuthError("invalid bearer token")
    session = await state.identities.session(state.store, claims.session)
    if session is None or session.revoked_ms is not None or session.username != user.username:
        raise AuthError("this session has ended; log in again")
    bindings = await state.identities.bindings(state.store)
    return Principal(
        user.username,
        "user",
        grants_of(user, session.groups, bindings),
        session=claims.session,
        groups=session.groups,
    )


Within = Literal["exact", "cluster", "anywhere"]


class Need:
    """A route's declared permission, checked against the object's cluster and namespace
    (path parameters ``name`` and ``namespace``, when the route has them).

    ``within`` widens the check for routes that filter what they answer themselves: "cluster"
    passes a caller holding the permission in any namespace of the path's cluster (the route
    then lists only what ``Principal.sees``), "anywhere" one holding it in any scope at all (a
    list across clusters, or an object whose cluster the route looks up first). An object in
    a namespace the caller cannot see answers 404, as an unknown cluster does."""

    def __init__(self, permission: Permission, within: Within = "exact") -> None:
        self.permission = permission
        self.within = within

    async def __call__(
        self,
        request: Request,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if self.permission is Permission.PUBLIC:
            return ANONYMOUS
        try:
            principal = await authenticate(request, creds)
        except AuthError as e:
            await record_refusal(
                gateway_state(request), request, actor="", status=401, reason=str(e)
            )
            raise
        request.state.principal = principal
        audit_context.note(
            principal={"kind": principal.kind, "role": principal.role, "groups": principal.groups}
        )
        try:
            self._check(principal, request)
        except Forbidden as e:
            await record_refusal(
                gateway_state(request), request, actor=principal.name, status=403, reason=str(e)
            )
            raise
        return principal

    def _check(self, principal: Principal, request: Request) -> None:
        if self.permission is Permission.AUTHENTICATED:
            return
        grants = principal.grants
        if self.within == "anywhere":
            if not grants.holds(self.permission):
                raise Forbidden(f"this needs the {self.permission.value} permission")
            return
        params = request.path_params
        cluster = str(params.get("name", ""))
        namespace = str(params.get("namespace", ""))
        if cluster and not grants.sees_cluster(cluster):
            raise NotFound(f"unknown cluster {cluster!r}")
        if self.within == "cluster":
            if not grants.sees_cluster(cluster, self.permission):
                raise Forbidden(f"this needs the {self.permission.value} permission")
            return
        if namespace and not grants.allows(Permission.READ, cluster, namespace):
            raise NotFound(f"nothing named so in cluster {cluster!r}")
        if not grants.allows(self.permission, cluster, namespace):
            raise Forbidden(f"this needs the {self.permission.value} permission")


def need(permission: Permission, within: Within = "exact") -> Any:
    """``Depends(Need(...))``, for the route decorator's ``dependencies=[...]``."""
    return Depends(Need(permission, within))


def declaration(route: APIRoute) -> Need | None:
    """The ``Need`` a route declares (searched through its dependency tree), if any."""
    stack: list[Dependant] = [route.dependant]
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Need):
            return dep.call
        stack.extend(dep.dependencies)
    return None


def declared(route: APIRoute) -> Permission | None:
    """The permission a route declares, if any."""
    found = declaration(route)
    return found.permission if found is not None else None


def undeclared(routes: Iterable[BaseRoute], prefix: str) -> list[str]:
    """The routes of an API router (mounted at ``prefix``) that declare no permission;
    create_app refuses to start with any. Takes the router's own routes: FastAPI includes a
    router lazily, so the application's route list does not show them."""
    return [
        f"{sorted(r.methods or ())} {prefix}{r.path}"
        for r in routes
        if isinstance(r, APIRoute) and declared(r) is None
    ]


async def _caller(request: Request) -> Principal:
    principal: Principal = getattr(request.state, "principal", ANONYMOUS)
    return principal


Caller = Annotated[Principal, Depends(_caller)]
"""The caller the route's ``need(...)`` authenticated; the permission itself is declared in the
route decorator's ``dependencies``, which FastAPI runs before any parameter's dependency (so an
unknown cluster cannot answer 404 to a caller that is not even authenticated)."""
