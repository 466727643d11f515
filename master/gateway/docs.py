"""⑧ The API's Swagger UI at ``/api/docs``, entirely from the master: air-gapped clusters have no
CDN to load it from, so FastAPI's default page (jsDelivr) would be blank there.

Its script, styles and icon are the pinned ``swagger-ui-dist`` (``master/gateway/swagger/
package-lock.json``), which ``scripts/build-dashboard.sh`` copies into the package
(``SWAGGER_DIR``) and which are served under ``/api/docs/assets/``. The page is FastAPI's own
(``get_swagger_ui_html``) pointed at those files; its one inline script, the initialisation,
runs under a fresh nonce per answer, so the page's policy (``headers.docs_csp``) allows scripts
from the master and that nonce only, never ``'unsafe-inline'``. Swagger's validator badge
(an image from validator.swagger.io) is off.

Without the files (the build script never ran) the page says how to get them instead of
rendering blank. Owns the two docs routes; not the OpenAPI document (FastAPI's) nor the headers
of other answers (``master.gateway.headers``)."""

from __future__ import annotations

import secrets
from pathlib import Path, PurePosixPath

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from master.gateway.headers import DOCS_PATH, docs_csp
from master.gateway.static import PACKAGE_STATIC, Files, choose

SWAGGER_DIR = PACKAGE_STATIC / "swagger"  # scripts/build-dashboard.sh copies swagger-ui-dist here
ASSETS_PATH = DOCS_PATH + "/assets"
# The files the page loads, as swagger-ui-dist names them.
JS, CSS, ICON = "swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"
SWAGGER_PARAMETERS = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
    "validatorUrl": None,  # else Swagger UI loads a badge from validator.swagger.io
}
NOT_INSTALLED = (
    "Swagger UI's files are not installed in this master.\n"
    "Install them with scripts/build-dashboard.sh (make demo and make test run it).\n"
    "The OpenAPI document itself is at /api/openapi.json.\n"
)


def page(*, openapi_url: str, title: str, nonce: str) -> str:
    """FastAPI's Swagger UI page, loading the master's copies, its inline script under ``nonce``."""
    html = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS_PATH}/{JS}",
        swagger_css_url=f"{ASSETS_PATH}/{CSS}",
        swagger_favicon_url=f"{ASSETS_PATH}/{ICON}",
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    ).body
    return bytes(html).decode().replace("<script>", f'<script nonce="{nonce}">')


def install(app: FastAPI, *, assets_dir: Path = SWAGGER_DIR) -> None:
    """Add ``GET /api/docs`` and ``GET /api/docs/assets/{name}`` to ``app`` (not to its OpenAPI
    document). ``app.openapi_url`` must be set."""
    files = Files(assets_dir)
    openapi_url = app.openapi_url
    assert openapi_url is not None, "the docs page shows the OpenAPI document"

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> Response:
        if not files.exists(PurePosixPath(JS)):
            return PlainTextResponse(NOT_INSTALLED, status_code=404)
        nonce = secrets.token_urlsafe(18)
        return HTMLResponse(
            page(openapi_url=openapi_url, title=f"{app.title} API", nonce=nonce),
            headers={"content-security-policy": docs_csp(nonce), "cache-control": "no-store"},
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def swagger_asset(name: str, request: Request) -> Response:
        return await files.answer(request.scope, choose("/" + name, files.exists, spa=False))
