"""⑧ Request body limits, enforced before anything reads or parses a body.

FastAPI reads and parses a body while resolving a route's parameters, before the token
dependency runs, so without a limit any caller could make the master hold as much as it cares
to send. ``BodyLimit`` is a pure ASGI middleware (no ``BaseHTTPMiddleware``, which buffers the
whole body) in front of the application:

* a ``Content-Length`` above the limit is answered 413 at once, before one byte is read;
* a chunked body is read up to the limit and then handed to the application as one message;
  the chunk that crosses the limit ends the request with 413, nothing more is read;
* a 413 closes the connection (``Connection: close``): the server stops reading the rest of
  the upload instead of draining it to keep the connection alive.

The answer has the gateway's error shape (``master.gateway.bodies``: ``too_large`` and a
message). The limit is the master-wide
default (``MasterSettings.http_body_max_kib``) unless the route declares a smaller one with
``@body_limit(max_bytes)`` beside its decorator, the one place a route's limit is stated;
``route_limits`` collects those declarations from the routers' routes.

Deliberately not here: authentication (still the routes' dependency; this only bounds memory
before it runs) and what a route does with its body."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from starlette.routing import BaseRoute, Route, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from master.gateway.bodies import error_body

KiB = 1024

F = TypeVar("F", bound=Callable[..., Any])

# Endpoint function -> the largest body (bytes) its route accepts; filled by ``body_limit``.
_DECLARED: dict[Callable[..., Any], int] = {}


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Declare the largest body (bytes) the decorated route accepts; put it under the
    router's decorator (it marks the endpoint function). Above the master-wide default it has
    no effect: the smaller of the two applies."""
    if max_bytes < 0:
        raise ValueError("a body limit cannot be negative")

    def mark(endpoint: F) -> F:
        _DECLARED[endpoint] = max_bytes
        return endpoint

    return mark


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """The body limit of the requests one route matches: its methods and its path regex."""

    methods: frozenset[str]
    path: re.Pattern[str]
    max_bytes: int


def route_limits(routes: Iterable[BaseRoute], *, prefix: str = "") -> tuple[RouteLimit, ...]:
    """The limits the routes' endpoints declared with ``body_limit``, for the routes as
    mounted under ``prefix`` (FastAPI includes a router lazily, so the application's own route
    list does not show them: pass each router's routes with the prefix it is included at)."""
    found = []
    for route in routes:
        if not isinstance(route, Route):
            continue
        declared = _DECLARED.get(route.endpoint)
        if declared is not None:
            path, _, _ = compile_path(prefix + route.path)
            methods = frozenset(route.methods or ())
            found.append(RouteLimit(methods=methods, path=path, max_bytes=declared))
    return tuple(found)


class BodyLimit:
    """ASGI middleware: refuse bodies above ``default_bytes`` (or a route's smaller limit)
    with 413 before the application reads them."""

    def __init__(
        self, app: ASGIApp, *, default_bytes: int, routes: Sequence[RouteLimit] = ()
    ) -> None:
        self._app = app
        self._default = default_bytes
        self._routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        length, chunked = _framing(scope["headers"])
        if length is not None and length > limit:
            await _too_large(send, f"request body of {length} bytes exceeds {limit}")
            return
        if not chunked:
            # The server delivers no more than Content-Length (or nothing, without either
            # header): nothing to count.
            await self._app(scope, receive, send)
            return
        body = await _read_at_most(receive, limit)
        if body is None:
            await _too_large(send, f"request body exceeds {limit} bytes")
            return
        await self._app(scope, _replay(body, receive), send)

    def limit_for(self, method: str, path: str) -> int:
        limit = self._default
        for route in self._routes:
            if method in route.methods and route.path.match(path):
                limit = min(limit, route.max_bytes)
        return limit


def _framing(headers: Iterable[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    """``(Content-Length or None, chunked)`` from the raw request headers. A malformed length
    never gets here: the HTTP server refuses it while parsing the request. A body with a
    ``Transfer-Encoding`` is counted whatever its length header says."""
    length: int | None = None
    chunked = False
    for name, value in headers:
        if name == b"content-length" and value.isdigit():
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    """The whole body if it is at most ``limit`` bytes; None as soon as a chunk crosses it
    (the rest is never read) or the client goes away (the answer then reaches no one)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the body read ahead as one message, then the server's own
    (a disconnect, which long-polling routes wait for)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _too_large(send: Send, why: str) -> None:
    payload = orjson.dumps(error_body(413, why))
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload, "more_body": False})
