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

SVG is a document too (it may hold scripts when opened on its own), so it gets ``HTML_CSP``.
The Swagger UI page (``master.gateway.docs``) sets its own policy, ``docs_csp``: ``HTML_CSP``
plus the nonce of its one inline script, fresh per answer. Headers a route set itself are left
alone."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from master.slo_service.rendering import STYLE_CSP

API_PREFIX = "/api/v1"
DOCS_PATH = "/api/docs"
HSTS = "max-age=31536000"  # one year: the value preload lists and scanners expect

JSON_CSP = "frame-ancestors 'none'"
# What the dashboard (a Vite build: module scripts and stylesheets from /assets, no inline
# script or <style>) and the docs page need, and nothing from another origin: air-gapped
# clusters have none to offer, and an injected script could send nowhere else either.
# ``img-src data:``: Vite inlines small images, Swagger UI's stylesheet its icons, as data: URLs.
# Styles set from script through the CSSOM (React's style prop) are not inline styles to CSP,
# so ``style-src 'self'`` stands without 'unsafe-inline'. The one inline style allowed is the
# SLO report's fixed stylesheet, by its hash: the dashboard opens a report (fetched with the
# user's token) from a blob: URL, and that document inherits this policy.
_STRICT = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self' "
    + STYLE_CSP
    + "; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HTML_CSP = _STRICT.format(nonce="")


def docs_csp(nonce: str) -> str:
    """``HTML_CSP`` that also runs inline scripts carrying ``nonce`` (the Swagger UI page's)."""
    return _STRICT.format(nonce=f" 'nonce-{nonce}'")


_DOCUMENTS = frozenset({"text/html", "image/svg+xml"})  # types a browser renders as a page
_ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)


def security_headers(path: str, content_type: str, *, tls: bool) -> list[tuple[str, str]]:
    """The security headers for an answer to ``path`` with ``content_type``."""
    found = list(_ALWAYS)
    if content_type.split(";", maxsplit=1)[0].strip().lower() in _DOCUMENTS:
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
