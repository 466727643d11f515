"""The route x role matrix, generated from the routers themselves: every /api/v1 route, called
by anonymous, viewer, operator and admin callers and by a viewer of one namespace (edge/shop),
is refused exactly when its declaration says so (401 without a token, 403 with too little
right, 404 for an object in a namespace the caller cannot see), and never answers 401/403
otherwise. A route added later is in the matrix without anyone writing a row for it."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from fastapi.routing import APIRoute

from master.auth.roles import Permission
from master.datahub.hub import DataHub
from master.gateway.app import API_PREFIX, ROUTERS, create_app
from master.gateway.authz import Need, declaration, need
from master.gateway.state import GatewayState
from tests.integration.people.conftest import People

# Values for path parameters: a cluster that exists, anything else may not.
PATH_VALUES = {"name": "edge", "kind": "pods", "namespace": "default", "obj": "web-0"}
PATH_VALUES |= {"node": "n1", "command_id": "0" * 26, "username": "vera"}
PATH_VALUES |= {"token_id": "0" * 16, "binding_id": "999"}
PATH_VALUES |= {"fingerprint": "0" * 16, "silence_id": "0" * 32, "receiver": "nobody"}
PATH_VALUES |= {"notification_id": "999", "remediation_id": "0" * 32, "pod": "web-0"}
PATH_VALUES |= {"workload": "web"}

# Which callers each permission lets through.
ALLOWED: dict[Permission, set[str]] = {
    Permission.PUBLIC: {"anonymous", "viewer", "operator", "admin"},
    Permission.AUTHENTICATED: {"viewer", "operator", "admin"},
    Permission.READ: {"viewer", "operator", "admin"},
    Permission.OPERATE: {"operator", "admin"},
    Permission.ADMIN: {"admin"},
}
# Tested on their own: a bad login or refresh is a 401 by design, and logging out would end
# the session the rest of the walk uses. The SSO callback too (test_oidc.py): where SSO is on, a
# callback without the state of a login this browser started is a 401 by design.
SELF_TESTED = ("/auth/login", "/auth/refresh", "/auth/logout", "/auth/oidc/callback")
CALLERS = ("anonymous", "viewer", "operator", "admin", "scoped")


def api_routes() -> list[tuple[str, str, Need]]:
    found = []
    for module in ROUTERS:
        for route in import_module(module).router.routes:
            assert isinstance(route, APIRoute)
            need_ = declaration(route)
            assert need_ is not None, f"{route.path} declares no permission"
            for method in sorted(route.methods):
                found.append((method, API_PREFIX + route.path, need_))
    return found


def scoped_outcome(path: str, need_: Need) -> int | None:
    """What the viewer of edge/shop gets: None (let through), 403 or 404. The path's
    namespace, when it has one, is "default": not theirs."""
    p = need_.permission
    if p in (Permission.PUBLIC, Permission.AUTHENTICATED):
        return None
    if need_.within == "exact" and "{namespace}" in path:
        return 404
    if p is Permission.READ and need_.within in ("anywhere", "cluster"):
        return None
    return 403


ROUTES = api_routes()


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


def test_the_matrix_covers_every_permission_and_many_routes() -> None:
    assert len(ROUTES) >= 15
    assert {n.permission for _, _, n in ROUTES} == set(Permission)


@pytest.mark.parametrize("caller", CALLERS)
async def test_every_route_refuses_exactly_the_callers_its_permission_excludes(
    people: People, caller: str
) -> None:
    wrong = []
    for method, path, need_ in ROUTES:
        permission = need_.permission
        if path.endswith(SELF_TESTED):
            continue
        # An empty JSON object: permission is checked before the body is validated, so a
        # refused caller gets 401/403 (not 422) and an allowed one gets past the check.
        body = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
        r = await people.http.request(method, fill(path), headers=people.auth(caller), **body)
        if caller == "scoped":
            expected = scoped_outcome(path, need_)
            if expected is None and r.status_code in (401, 403):
                wrong.append(f"{method} {path}: scoped got {r.status_code}, may pass")
            if expected is not None and r.status_code != expected:
                wrong.append(f"{method} {path}: scoped got {r.status_code}, not {expected}")
            continue
        allowed = caller in ALLOWED[permission]
        expected_refusal = 401 if caller == "anonymous" else 403
        if allowed and r.status_code in (401, 403):
            wrong.append(f"{method} {path}: {caller} got {r.status_code}, may {permission}")
        if not allowed and r.status_code != expected_refusal:
            wrong.append(f"{method} {path}: {caller} got {r.status_code}, not {expected_refusal}")
    assert not wrong, "\n".join(wrong)


async def test_a_refusal_says_why_in_the_usual_error_shape(people: People) -> None:
    r = await people.http.get("/api/v1/users", headers=people.auth("viewer"))
    assert r.status_code == 403
    assert "admin" in r.json()["message"]
    r = await people.http.get("/api/v1/users")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_an_app_with_a_route_that_declares_nothing_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fastapi import APIRouter

    from master.gateway import app as gateway_app

    open_router = APIRouter()

    @open_router.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    @open_router.get("/closed", dependencies=[need(Permission.READ)])
    async def closed_route() -> dict[str, str]:
        return {}

    fake = type("M", (), {"router": open_router})
    monkeypatch.setattr(gateway_app, "ROUTERS", (*ROUTERS, "fake.routes"))
    real_import = gateway_app.import_module
    monkeypatch.setattr(
        gateway_app, "import_module", lambda n: fake if n == "fake.routes" else real_import(n)
    )
    state = GatewayState(hub=DataHub(reconnecting_after_s=5, offline_after_s=30), api_token="")
    with pytest.raises(RuntimeError, match=r"/api/v1/open"):
        create_app(state=state)
