"""⑧ → ⑨ The dashboard's built files, served by the gateway at ``/``.

Where they come from: ``MASTER_DASHBOARD_DIR``, else the build shipped inside this package
(``DASHBOARD_DIR``, git-ignored, filled by ``scripts/build-dashboard.sh``, which ``make demo``,
``make test`` and the image's Node stage run). What each path gets (``choose``, pure):

* ``/api`` and ``/metrics`` and below (``MACHINE_ROOTS``): never a page. Nothing reaches here
  that a route matched, so it is an unknown API path and answers the API's own 404 JSON (an
  HTML page there would hide a typo in a client behind a 200, and a Prometheus pointed at
  the API port instead of the metrics port would read HTML as a broken exposition).
* ``/assets/...``: Vite's content-hashed files, ``Cache-Control: public, max-age=31536000,
  immutable`` (a new build has new names); a missing one is a 404, never ``index.html``,
  which a browser would then try to run as a script.
* a file at the top of the build (``favicon.svg`` from Vite's ``public/``): served,
  ``no-cache`` (its name does not change between builds, so the browser revalidates).
* anything else, ``/`` included: ``index.html`` with ``no-cache`` and an ETag (a deep link such
  as ``/clusters/edge/pods`` is the client-side router's to resolve; the revalidation is a 304).
* no ``index.html`` in the directory at all: a short plain-text 404 saying how to build the
  dashboard; the API goes on working.

A URL path becomes a file only through ``relative``: no empty, ``.`` or ``..`` segment, no
dot-file, no backslash or NUL, and the file found must resolve (symlinks followed) inside the
served directory, so nothing outside it can be named. Text files are sent precompressed
(``NAME.gz`` beside them, written by the build script) to clients that accept gzip.

The security headers (CSP included) are ``master.gateway.headers``' job, not this module's;
the Swagger UI page is ``master.gateway.docs``'."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from master.gateway.bodies import error_body
from master.gateway.responses import FastJSON

PACKAGE_STATIC = Path(__file__).resolve().parent / "static"
DASHBOARD_DIR = PACKAGE_STATIC / "dashboard"  # scripts/build-dashboard.sh copies dist/ here

INDEX = PurePosixPath("index.html")
ASSETS = "assets"  # Vite's build.assetsDir: hashed names only
IMMUTABLE = "public, max-age=31536000, immutable"  # one year, the most caches honour
REVALIDATE = "no-cache"  # may be stored, but asked again (ETag) before each use

# Explicit rather than the platform's mimetypes, whose table differs between hosts (a
# text/plain .js under nosniff is a script the browser refuses to run).
CONTENT_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
}
OCTETS = "application/octet-stream"
API_NOT_FOUND = "Not Found"  # the message Starlette's own 404 gave before the dashboard took over
# What the build script gzips (already-compressed formats gain nothing).
COMPRESSIBLE = frozenset(
    {".html", ".js", ".mjs", ".css", ".json", ".map", ".webmanifest", ".txt", ".xml", ".svg"}
)
GZIP_SUFFIX = ".gz"

NOT_BUILT = (
    "The Lookout dashboard is not built into this master.\n"
    "Build it with scripts/build-dashboard.sh (make demo and make test run it), or point "
    "MASTER_DASHBOARD_DIR at a built dashboard (a directory with index.html).\n"
    "The API works meanwhile: /api/v1, documented at /api/docs.\n"
)


@dataclass(frozen=True, slots=True)
class Serve:
    """Send this file (relative to the served directory) with this Cache-Control."""

    file: PurePosixPath
    cache_control: str


@dataclass(frozen=True, slots=True)
class ApiNotFound:
    """An unknown /api path: the API's 404 JSON."""


@dataclass(frozen=True, slots=True)
class Missing:
    """No such file (a missing asset, or a path that cannot name a file)."""


@dataclass(frozen=True, slots=True)
class NotBuilt:
    """The directory holds no dashboard build."""


Choice = Serve | ApiNotFound | Missing | NotBuilt


def relative(url_path: str) -> PurePosixPath | None:
    """The file ``url_path`` (already percent-decoded, as ASGI gives it) names inside the
    served directory; ``PurePosixPath()`` for the root; None when it cannot name one there."""
    parts = url_path.split("/")
    if parts[0] != "":  # not absolute
        return None
    parts = parts[1:]
    if parts and parts[-1] == "":
        parts.pop()  # a trailing slash: /clusters/ is /clusters
    for part in parts:
        if not part or part.startswith(".") or "\\" in part or "\0" in part:
            return None  # '', '.', '..', dot-files (.git, .env), Windows separators
    return PurePosixPath(*parts)


# First path segments that machines read; a miss under them is never the dashboard.
MACHINE_ROOTS = frozenset({"api", "metrics"})


def is_machine_path(url_path: str) -> bool:
    root = url_path.removeprefix("/").partition("/")[0]
    return url_path.startswith("/") and root in MACHINE_ROOTS


def choose(url_path: str, exists: Callable[[PurePosixPath], bool], *, spa: bool) -> Choice:
    """What to answer for ``url_path``; ``exists(rel)`` says whether a served file is there.
    ``spa``: the dashboard (client-side routes fall back to index.html, /api is refused);
    otherwise a plain directory of files (the Swagger UI's)."""
    if spa and is_machine_path(url_path):
        return ApiNotFound()
    rel = relative(url_path)
    if rel is None:
        return Missing()
    if not spa:
        return Serve(rel, REVALIDATE) if rel.parts and exists(rel) else Missing()
    if not exists(INDEX):
        return NotBuilt()
    if rel.parts and rel.parts[0] == ASSETS:
        return Serve(rel, IMMUTABLE) if exists(rel) else Missing()
    if rel.parts and exists(rel):
        return Serve(rel, REVALIDATE)
    return Serve(INDEX, REVALIDATE)


def content_type(file: PurePosixPath) -> str:
    return CONTENT_TYPES.get(file.suffix.lower(), OCTETS)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header admits gzip (``gzip;q=0`` refuses it)."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in {"gzip", "*"}:
            q = params.strip().removeprefix("q=").strip() if params.strip() else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


def not_modified(etag: str, if_none_match: str) -> bool:
    """RFC 9110 weak comparison of the answer's ETag with the request's If-None-Match."""
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag.removeprefix("W/") in tags


@dataclass(frozen=True, slots=True)
class Found:
    path: Path
    stat: os.stat_result
    gzipped: bool


class Files:
    """The impure half: finds ``choose``'s files on disk and answers them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def exists(self, rel: PurePosixPath) -> bool:
        return self._inside(self.root / rel) is not None

    def _inside(self, path: Path) -> Path | None:
        try:
            real = path.resolve(strict=True)
            if real.is_relative_to(self.root.resolve(strict=True)) and real.is_file():
                return real
        except (OSError, RuntimeError):  # missing, unreadable, a symlink loop
            pass
        return None

    def find(self, rel: PurePosixPath, *, gzip: bool) -> Found | None:
        path = self.root / rel
        if gzip and rel.suffix.lower() in COMPRESSIBLE:
            packed = self._inside(path.with_name(path.name + GZIP_SUFFIX))
            if packed is not None:
                return Found(packed, packed.stat(), gzipped=True)
        real = self._inside(path)
        return None if real is None else Found(real, real.stat(), gzipped=False)

    async def answer(self, scope: Scope, choice: Choice) -> Response:
        if isinstance(choice, ApiNotFound):
            return FastJSON(error_body(404, API_NOT_FOUND), status_code=404)
        if isinstance(choice, NotBuilt):
            return PlainTextResponse(NOT_BUILT, status_code=404)
        if isinstance(choice, Missing):
            return PlainTextResponse("not found\n", status_code=404)
        request = Headers(scope=scope)
        gzip = accepts_gzip(request.get("accept-encoding", ""))
        found = await anyio.to_thread.run_sync(lambda: self.find(choice.file, gzip=gzip))
        if found is None:  # removed between choose and now (a rebuild swapping the dir)
            return PlainTextResponse("not found\n", status_code=404)
        headers = {"cache-control": choice.cache_control}
        if choice.file.suffix.lower() in COMPRESSIBLE:
            headers["vary"] = "Accept-Encoding"
        if found.gzipped:
            headers["content-encoding"] = "gzip"
        response = FileResponse(
            found.path,
            headers=headers,
            media_type=content_type(choice.file),
            stat_result=found.stat,
        )
        if not_modified(response.headers["etag"], request.get("if-none-match", "")):
            kept = ("cache-control", "vary", "etag", "last-modified")
            return Response(
                status_code=304,
                headers={k: response.headers[k] for k in kept if k in response.headers},
            )
        return response


class Dashboard:
    """ASGI app answering every request no route matched (the router's ``default``)."""

    def __init__(self, root: Path) -> None:
        self.files = Files(root)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no websockets here; the server closes the connection
        path: str = scope["path"]
        if scope["method"] not in {"GET", "HEAD"}:
            if is_machine_path(path):
                response: Response = FastJSON(error_body(404, API_NOT_FOUND), status_code=404)
            else:
                response = FastJSON(
                    error_body(405, "the dashboard is read with GET"),
                    status_code=405,
                    headers={"Allow": "GET, HEAD"},
                )
        else:
            choice = await anyio.to_thread.run_sync(
                lambda: choose(path, self.files.exists, spa=True)
            )
            response = await self.files.answer(scope, choice)
        await response(scope, receive, send)
