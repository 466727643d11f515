"""⑧ The FastAPI application: health routes open, every route under /api/v1 declaring its
permission (``master.gateway.authz``), errors mapped to one JSON shape in one place
(``master.gateway.errors``, documented in the OpenAPI by ``master.gateway.bodies``), every
request body bounded before it is read (``master.gateway.limits``: the default here, smaller
ones by route), security headers on every answer (``master.gateway.headers``), and CORS off
unless origins are configured. Everything no route matched is the dashboard's
(``master.gateway.static``); ``/api/docs`` is Swagger UI from the master's own copies
(``master.gateway.docs``).

Middleware, outermost first: Tracing, SecurityHeaders, CORS (when configured), HttpMetering,
BodyLimit, LastResort (``errors``), then FastAPI's own. Tracing and headers outermost so every
answer carries them, preflights and 413s included; CORS outside the metering and limits so that
a browser can read their errors too.

Owns mounting the route modules and attaching the typed state (``GatewayState``); does not own
what a route answers (``routes/``) nor building the state (the composition root, ``master.app``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute

from master.gateway import docs, errors
from master.gateway.authz import undeclared
from master.gateway.bodies import error_responses
from master.gateway.headers import SecurityHeaders
from master.gateway.limits import BodyLimit, RouteLimit, route_limits
from master.gateway.metering import HttpMetering, route_templates
from master.gateway.responses import FastJSON
from master.gateway.routes import health
from master.gateway.state import GatewayState
from master.gateway.static import DASHBOARD_DIR, Dashboard
from master.gateway.tracing import Tracing

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
    "master.gateway.routes.pod_metrics",
    "master.gateway.routes.commands",
    "master.gateway.routes.audit",
    "master.gateway.routes.stream",
    "master.gateway.routes.alert_history",
    "master.gateway.routes.alerts",
    "master.gateway.routes.silences",
    "master.gateway.routes.notifications",
    "master.gateway.routes.slos",
    "master.gateway.routes.slo_config",
    "master.gateway.routes.remediations",
)


GZIP_MIN_BYTES = 64 * 1024

# The body limit when the caller names none (``MasterSettings.http_body_max_kib``'s default).
DEFAULT_BODY_MAX = 1024 * 1024

# Error answers any /api/v1 route can give (authentication, permission, an unknown object,
# validation, the store or bus away); routes declare the ones only they give (400, 409, ...).
COMMON_ERRORS = error_responses(401, 403, 404, 422, 503)

# What a cross-origin page may use, when CORS is on: the methods and request headers the API
# takes, and the answer headers a client acts on.
CORS_METHODS = ("GET", "POST", "PATCH")
CORS_HEADERS = ("Authorization", "Content-Type", "Prefer")
CORS_EXPOSED = ("Location", "Retry-After", "Preference-Applied", "X-Trace-Id")


# Methods whose requests may carry a body: the body limit (413) applies to each of them, and
# those with a body parameter also answer 400 to one that is not JSON.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _document_body_errors(routes: Sequence[BaseRoute]) -> None:
    """Every route that takes a body documents the 413 of ``BodyLimit`` (and, with a body
    parameter, the 400 of an unparseable one) without each route having to remember to.
    On the router's own routes, before inclusion: the app holds included routers lazily."""
    for route in routes:
        if isinstance(route, APIRoute) and (route.methods or set()) & BODY_METHODS:
            statuses = (400, 413) if route.body_field is not None else (413,)
            route.responses = {**error_responses(*statuses), **route.responses}


def create_app(
    *,
    state: GatewayState,
    body_max_bytes: int = DEFAULT_BODY_MAX,
    tls: bool = False,
    cors_origins: Sequence[str] = (),
    dashboard_dir: Path | None = None,
    docs_assets_dir: Path | None = None,
) -> GatewayApp:
    """The gateway. ``tls``: the master serves HTTPS itself (answers then carry HSTS);
    ``cors_origins``: the origins allowed to call with credentials, none = CORS off;
    ``dashboard_dir``: the built dashboard served at / (``master.gateway.static``; None: the
    build inside this package);
    ``docs_assets_dir``: Swagger UI's files for /api/docs (``master.gateway.docs``; None: the
    copies inside this package)."""
    app = FastAPI(
        title="Lookout",
        version="v1",
        default_response_class=FastJSON,
        docs_url=None,  # master.gateway.docs serves it, from the master's own copies
        openapi_url="/api/openapi.json",
        redoc_url=None,  # one set of docs is enough surface
        swagger_ui_oauth2_redirect_url=None,  # no OAuth2 flow; one route fewer
    )
    app.state.gateway = state
    app.include_router(health.router)
    docs.install(app, assets_dir=docs_assets_dir or docs.SWAGGER_DIR)
    # Each module straight onto the app, not through an /api/v1 router of routers: every
    # level of inclusion is matched again per request (FastAPI resolves included routers
    # lazily), which cost more CPU than a command's whole handler.
    limits: list[RouteLimit] = []
    templates: dict[int, str] = {}
    missing: list[str] = []
    for module_name in ROUTERS:
        router = import_module(module_name).router
        _document_body_errors(router.routes)
        app.include_router(router, prefix=API_PREFIX, responses=COMMON_ERRORS)
        limits += route_limits(router.routes, prefix=API_PREFIX)
        templates |= route_templates(router.routes, prefix=API_PREFIX)
        missing += undeclared(router.routes, API_PREFIX)
    # Every route states what it needs (master.gateway.authz.Need); one that forgot would be
    # open to anyone, so the app refuses to exist instead.
    if missing:
        raise RuntimeError(f"routes without a declared permission: {missing}")
    app.state.route_templates = templates  # for the audit of refused requests
    # Whatever no route matched: the dashboard and its client-side routes, or for /api paths
    # the API's 404 (never index.html there).
    app.router.default = Dashboard(dashboard_dir or DASHBOARD_DIR)
    errors.install(app)
    # Big answers (a cluster's 5,000 pods are 8.5 MB of JSON) go gzip'd to a client that takes
    # it: ~10x fewer bytes over a WAN for a few ms of the fastest level, in a worker thread.
    # Small ones are not worth the CPU; event streams and the dashboard's precompressed assets
    # are left alone (the middleware skips text/event-stream and an encoding already set).
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=1)
    # Outside LastResort (added by errors.install): runs before routing, parsing and auth.
    app.add_middleware(BodyLimit, default_bytes=body_max_bytes, routes=limits)
    # Outside BodyLimit, so its 413s are counted too.
    app.add_middleware(HttpMetering, metrics=state.metrics, templates=templates)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_credentials=True,
            allow_methods=list(CORS_METHODS),
            allow_headers=list(CORS_HEADERS),
            expose_headers=list(CORS_EXPOSED),
        )
    app.add_middleware(SecurityHeaders, tls=tls)
    app.add_middleware(Tracing)
    return app
