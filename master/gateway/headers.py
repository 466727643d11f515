"""⑧ Security headers on every answer: a pure ASGI middleware, outermost, so the 413s of
``limits.BodyLimit``, the 500s of ``errors.LastResort`` and CORS preflights carry them too.

What each answer gets (``security_headers``, pure: path, content type and TLS in, headers out):

* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options:
  DENY`` on everything;
* ``Content-Security-Policy``: for JSON and other non-HTML answers only ``frame-ancestors
  'none'`` (nothing in them is a document that loads anything); for HTML a strict policy that
  allows only the master's own origin (``HTML_CSP``);
* ``Cache-Control: no-store`` on /api/v1: answers carry cluster state and, for logins, tokens
  that no shared or browser cache should keep;
* ``Strict-Transport-Security`` only when the master itself serves TLS: over plain HTTP (a
  proxy in front terminating TLS) the header is the proxy's to send, and browsers ignore it
  over HTTP anyway.

The one exception is the Swagger UI at ``DOCS_PATH``: FastAPI's page loads its script and
styles from the jsDelivr CDN and starts with an inline script, so that path alone gets a
policy allowing exactly those (``DOCS_CSP``). The page takes no input and shows only the
OpenAPI document; keeping it (the demo links it) was judged worth a looser policy on one path
over serving copies of Swagger's assets. Headers a route set itself are left alone."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api/v1"
DOCS_PATH = "/api/docs"
HSTS = "max-age=31536000"  # one year: the value preload lists and scanners expect

JSON_CSP = "frame-ancestors 'none'"
HTML_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_CDN}; "
    "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)

_ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)


def security_headers(path: str, content_type: str, *, tls: bool) -> list[tuple[str, str]]:
    """The security headers for an answer to ``path`` with ``content_type``."""
    found = list(_ALWAYS)
    if path == DOCS_PATH:
        csp = DOCS_CSP
    elif content_type.split(";", maxsplit=1)[0].strip().lower() == "text/html":
        csp = HTML_CSP
    else:
        csp = JSON_CSP
    found.append(("content-security-policy", csp))
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        found.append(("cache-control", "no-store"))
    if tls:
        found.append(("strict-transport-security", HSTS))
    return found


class SecurityHeaders:
    """ASGI middleware adding ``security_headers`` to every HTTP answer."""

    def __init__(self, app: ASGIApp, *, tls: bool) -> None:
        self._app = app
        self._tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                content_type = next((v for n, v in raw if n.lower() == b"content-type"), b"")
                for name, value in security_headers(
                    path, content_type.decode("latin-1"), tls=self._tls
                ):
                    if name.encode() not in present:
                        raw.append((name.encode(), value.encode()))
                message = {**message, "headers": raw}
            await send(message)

        await self._app(scope, receive, with_headers)
