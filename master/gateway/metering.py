"""⑧ HTTP request metrics: a pure ASGI middleware that counts every answer by route template,
method and status, and times it (``MasterMetrics.http_answered``).

The route label is the matched route's path *template* (``/api/v1/clusters/{cluster}``), never
the raw path, so an anonymous caller cannot grow the label set; a path no route matches is
"other". Outermost (but for Starlette's error middleware), so it also counts the 413s of
``limits.BodyLimit`` and the 401s of auth. Does not own the metric objects
(``master.telemetry``) nor serving them (a separate port, ``master.app``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from master.telemetry.metrics import MasterMetrics

UNMATCHED = "other"


def route_templates(routes: Iterable[BaseRoute], *, prefix: str) -> dict[int, str]:
    """id(route) -> its full template, for a router's routes included at ``prefix``. Needed
    because the route FastAPI puts in ``scope`` is the router's own, whose path lacks the
    prefix (routes compare by value, not identity, hence the ids)."""
    return {id(r): prefix + r.path for r in routes if isinstance(r, Route)}


def route_template(scope: Scope, templates: Mapping[int, str]) -> str:
    """The template of the route the router matched (set in ``scope`` by the router)."""
    route = scope.get("route")
    if not isinstance(route, BaseRoute):
        return UNMATCHED
    if (full := templates.get(id(route))) is not None:
        return full
    path = getattr(route, "path", None)  # a route of the app itself (health)
    return path if isinstance(path, str) else UNMATCHED


class HttpMetering:
    def __init__(
        self, app: ASGIApp, *, metrics: MasterMetrics, templates: Mapping[int, str]
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what Starlette's error middleware answers if the app raises

        async def send_seen(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_seen)
        finally:
            self._metrics.http_answered(
                route_template(scope, self._templates),
                scope["method"],
                status,
                time.perf_counter() - started,
            )
