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

import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from master.auth.access import TokenRefused
from master.auth.roles import GLOBAL, Grant, Grants, Permission, Role
from master.errors import AuthError, Forbidden, NotFound
from master.gateway.state import gateway_state
from master.store.repositories.rows import UserRow

_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, for permission checks and the audit log."""

    name: str  # username, or "api-token" for the break-glass token; "" when anonymous
    kind: str  # "user" | "token" | "anonymous"
    grants: Grants
    session: str = ""

    @property
    def role(self) -> str:
        top = self.grants.highest
        return top.label if top is not None else ""


ANONYMOUS = Principal("", "anonymous", Grants.of(()))


def grants_of(user: UserRow) -> Grants:
    try:
        return Grants.of((Grant(Role.parse(user.role), GLOBAL),))
    except ValueError:  # an unknown role in the table grants nothing
        return Grants.of(())


async def authenticate(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    state = gateway_state(request)
    if creds is None or creds.scheme.lower() != "bearer":
        raise AuthError("missing bearer token")
    token = creds.credentials
    if state.api_token and hmac.compare_digest(token.encode(), state.api_token.encode()):
        return Principal("api-token", "token", Grants.of((Grant(Role.ADMIN),)))
    try:
        claims = state.identities.verified(state.jwt_secret, token, time.time())
    except TokenRefused as e:
        raise AuthError("invalid bearer token") from e
    user = await state.identities.user(state.store, claims.subject)
    if user is None or user.disabled:
        raise AuthError("invalid bearer token")
    return Principal(user.username, "user", grants_of(user), session=claims.session)


class Need:
    """A route's declared permission, checked against the object's cluster and namespace
    (path parameters ``name`` and ``namespace``, when the route has them)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(
        self,
        request: Request,
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if self.permission is Permission.PUBLIC:
            return ANONYMOUS
        principal = await authenticate(request, creds)
        request.state.principal = principal
        if self.permission is Permission.AUTHENTICATED:
            return principal
        params = request.path_params
        cluster = str(params.get("name", "")) if "name" in params else ""
        namespace = str(params.get("namespace", ""))
        grants = principal.grants
        if cluster and not grants.sees_cluster(cluster):
            raise NotFound(f"unknown cluster {cluster!r}")
        if not grants.allows(self.permission, cluster, namespace):
            raise Forbidden(f"this needs the {self.permission.value} permission")
        return principal


def need(permission: Permission) -> Any:
    """``Depends(Need(permission))``, for the route decorator's ``dependencies=[...]``."""
    return Depends(Need(permission))


def declared(route: APIRoute) -> Permission | None:
    """The permission a route declares (searched through its dependency tree), if any."""
    stack: list[Dependant] = [route.dependant]
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Need):
            return dep.call.permission
        stack.extend(dep.dependencies)
    return None


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
