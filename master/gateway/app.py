"""⑧ The FastAPI application: health routes open, everything under /api/v1 behind auth,
errors mapped to JSON in one place."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from master.gateway.auth import require_token
from master.gateway.responses import FastJSON
from master.gateway.routes import health

log = logging.getLogger(__name__)

# Route modules mounted under /api/v1, each exposing ``router``.
ROUTERS: tuple[str, ...] = (
    "master.gateway.routes.clusters",
    "master.gateway.routes.resources",
    "master.gateway.routes.findings",
    "master.gateway.routes.history",
    "master.gateway.routes.commands",
)


def create_app(*, state: dict[str, Any]) -> FastAPI:
    app = FastAPI(
        title="Lookout",
        version="v1",
        default_response_class=FastJSON,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )
    for key, value in state.items():
        setattr(app.state, key, value)
    app.include_router(health.router)
    # Each module straight onto the app, not through an /api/v1 router of routers: every
    # level of inclusion is matched again per request (FastAPI 0.165 resolves included
    # routers lazily), which cost more CPU than a command's whole handler.
    for module_name in ROUTERS:
        app.include_router(
            import_module(module_name).router,
            prefix="/api/v1",
            dependencies=[Depends(require_token)],
        )
    _install_error_handlers(app)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> FastJSON:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg")}
            for err in exc.errors()
        ]
        return FastJSON({"error": "invalid request", "problems": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> FastJSON:
        return FastJSON(
            {"error": exc.detail},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
