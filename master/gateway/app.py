"""⑧ The FastAPI application: health routes open, every route under /api/v1 declaring its
permission (``master.gateway.authz``), errors mapped to JSON in one place
(``master.gateway.errors``), every request body bounded before it is read
(``master.gateway.limits``: the default here, smaller ones by route).

Owns mounting the route modules and attaching the typed state (``GatewayState``); does not own
what a route answers (``routes/``) nor building the state (the composition root, ``master.app``)."""

from __future__ import annotations

import logging
from importlib import import_module

from fastapi import FastAPI

from master.gateway import errors
from master.gateway.authz import undeclared
from master.gateway.limits import BodyLimit, RouteLimit, route_limits
from master.gateway.metering import HttpMetering, route_templates
from master.gateway.responses import FastJSON
from master.gateway.routes import health
from master.gateway.state import GatewayState

log = logging.getLogger(__name__)

# What the composition root holds and serves; named here so that fastapi stays inside the
# gateway (an import-linter allow-list) while ``master.app`` can still type its field.
GatewayApp = FastAPI

API_PREFIX = "/api/v1"

# Route modules mounted under API_PREFIX, each exposing ``router``.
ROUTERS: tuple[str, ...] = (
    "master.gateway.routes.auth",
    "master.gateway.routes.oidc",
    "master.gateway.routes.users",
    "master.gateway.routes.tokens",
    "master.gateway.routes.bindings",
    "master.gateway.routes.cluster_admin",
    "master.gateway.routes.clusters",
    "master.gateway.routes.resources",
    "master.gateway.routes.findings",
    "master.gateway.routes.history",
    "master.gateway.routes.commands",
)


# The body limit when the caller names none (``MasterSettings.http_body_max_kib``'s default).
DEFAULT_BODY_MAX = 1024 * 1024


def create_app(
    *,
    state: GatewayState,
    body_max_bytes: int = DEFAULT_BODY_MAX,
) -> GatewayApp:
    app = FastAPI(
        title="Lookout",
        version="v1",
        default_response_class=FastJSON,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,  # one set of docs is enough surface
    )
    app.state.gateway = state
    app.include_router(health.router)
    # Each module straight onto the app, not through an /api/v1 router of routers: every
    # level of inclusion is matched again per request (FastAPI resolves included routers
    # lazily), which cost more CPU than a command's whole handler.
    limits: list[RouteLimit] = []
    templates: dict[int, str] = {}
    missing: list[str] = []
    for module_name in ROUTERS:
        router = import_module(module_name).router
        app.include_router(router, prefix=API_PREFIX)
        limits += route_limits(router.routes, prefix=API_PREFIX)
        templates |= route_templates(router.routes, prefix=API_PREFIX)
        missing += undeclared(router.routes, API_PREFIX)
    # Every route states what it needs (master.gateway.authz.Need); one that forgot would be
    # open to anyone, so the app refuses to exist instead.
    if missing:
        raise RuntimeError(f"routes without a declared permission: {missing}")
    errors.install(app)
    # Outermost but for Starlette's own error middleware: runs before routing, parsing and auth.
    app.add_middleware(BodyLimit, default_bytes=body_max_bytes, routes=limits)
    # Outside BodyLimit, so its 413s are counted too.
    app.add_middleware(HttpMetering, metrics=state.metrics, templates=templates)
    return app
