"""The route x role matrix, generated from the routers themselves: every /api/v1 route, called
by anonymous, viewer, operator and admin callers, is refused exactly when its declared
permission says so (401 without a token, 403 with too little right), and never answers 401/403
otherwise. A route added later is in the matrix without anyone writing a row for it."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from fastapi.routing import APIRoute

from master.auth.roles import Permission
from master.datahub.hub import DataHub
from master.gateway.app import API_PREFIX, ROUTERS, create_app
from master.gateway.authz import declared, need
from master.gateway.state import GatewayState
from tests.integration.people.conftest import People

# Values for path parameters: a cluster that exists, anything else may not.
PATH_VALUES = {"name": "edge", "kind": "pods", "namespace": "default", "obj": "web-0"}
PATH_VALUES |= {"node": "n1", "command_id": "0" * 26, "username": "vera"}

# Which callers each permission lets through.
ALLOWED: dict[Permission, set[str]] = {
    Permission.PUBLIC: {"anonymous", "viewer", "operator", "admin"},
    Permission.AUTHENTICATED: {"viewer", "operator", "admin"},
    Permission.READ: {"viewer", "operator", "admin"},
    Permission.OPERATE: {"operator", "admin"},
    Permission.ADMIN: {"admin"},
}
CALLERS = ("anonymous", "viewer", "operator", "admin")


def api_routes() -> list[tuple[str, str, Permission]]:
    found = []
    for module in ROUTERS:
        for route in import_module(module).router.routes:
            assert isinstance(route, APIRoute)
            permission = declared(route)
            assert permission is not None, f"{route.path} declares no permission"
            for method in sorted(route.methods):
                found.append((method, API_PREFIX + route.path, permission))
    return found


ROUTES = api_routes()


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


def test_the_matrix_covers_every_permission_and_many_routes() -> None:
    assert len(ROUTES) >= 15
    assert {p for _, _, p in ROUTES} == set(Permission)


@pytest.mark.parametrize("caller", CALLERS)
async def test_every_route_refuses_exactly_the_callers_its_permission_excludes(
    people: People, caller: str
) -> None:
    wrong = []
    for method, path, permission in ROUTES:
        if path.endswith("/auth/login"):
            continue  # public, and its own tests cover it (a bad login is a 401 by design)
        # An empty JSON object: permission is checked before the body is validated, so a
        # refused caller gets 401/403 (not 422) and an allowed one gets past the check.
        body = {"json": {}} if method in {"POST", "PATCH", "PUT"} else {}
        r = await people.http.request(method, fill(path), headers=people.auth(caller), **body)
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
