"""⑧ The one place where errors become HTTP answers.

Routes and dependencies raise the master's own errors (``master.errors`` draws the tree); the
handler installed here picks the status from the exception's type (``STATUS``, nearest class
first) and answers ``{"error": <code>, "message": str(e)}`` (``master.gateway.bodies``). A
``MasterError`` not in the table is not caught here: it is a server fault, and like any other
exception ``LastResort`` answers it ``{"error": "internal", "message": "internal error"}`` and
logs the traceback; no exception text or repr reaches a body. Every 503 says when to come back
(``Retry-After``, seconds from ``RETRY_AFTER_S``): the store being busy, unreachable or closing
is a passing condition, not a fault of the request; a client (or proxy) retries after it.
Also here: the body of FastAPI's own errors (request validation -> 422 with the problems, each
the field's location and pydantic's message but never the submitted value, which may be a
password; unknown route -> 404).

Adding an error a route may raise: a ``MasterError`` subclass next to the code that raises it,
one row in ``STATUS``, a line in ``master.errors``' tree."""

from __future__ import annotations

import logging
import math

import orjson
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from master.commands.bus import CommandConflict
from master.commands.requests import InvalidCommand
from master.errors import (
    AuthError,
    Conflict,
    Forbidden,
    MasterError,
    NotFound,
    Rejected,
    Throttled,
)
from master.gateway.bodies import error_body
from master.gateway.prefer import InvalidPreference
from master.gateway.responses import FastJSON
from master.store import StoreBusy, StoreClosed, StoreUnavailable

log = logging.getLogger(__name__)


class InvalidQuery(MasterError):
    """A query parameter or path value the API cannot use; ``str(e)`` says why (HTTP 400)."""


class Unavailable(MasterError):
    """A part the route needs (the store, the command bus) is not running (HTTP 503)."""


STATUS: dict[type[MasterError], int] = {
    AuthError: status.HTTP_401_UNAUTHORIZED,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Throttled: status.HTTP_429_TOO_MANY_REQUESTS,
    InvalidQuery: status.HTTP_400_BAD_REQUEST,
    InvalidPreference: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    CommandConflict: status.HTTP_409_CONFLICT,
    Conflict: status.HTTP_409_CONFLICT,
    Rejected: status.HTTP_422_UNPROCESSABLE_CONTENT,
    InvalidCommand: status.HTTP_422_UNPROCESSABLE_CONTENT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    StoreBusy: status.HTTP_503_SERVICE_UNAVAILABLE,
    StoreUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    StoreClosed: status.HTTP_503_SERVICE_UNAVAILABLE,
}

# Seconds a 503 asks the client to wait (nearest class first, else the default). A busy writer
# drains its queue within a couple of seconds; an unreachable store or a master shutting down
# (its replacement starting) takes longer.
RETRY_AFTER_S: dict[type[MasterError], int] = {StoreBusy: 2}
RETRY_AFTER_DEFAULT_S = 10

# RFC 7235: a 401 names the scheme the client should use.
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def status_of(exc: MasterError) -> int:
    """The HTTP status for ``exc``: its nearest class in ``STATUS``."""
    for cls in type(exc).__mro__:
        if (code := STATUS.get(cls)) is not None:
            return code
    raise LookupError(f"{type(exc).__name__} has no HTTP status")  # install() registers none


def retry_after_s(exc: MasterError) -> int:
    """Seconds a 503 for ``exc`` tells the client to wait before retrying."""
    for cls in type(exc).__mro__:
        if (seconds := RETRY_AFTER_S.get(cls)) is not None:
            return seconds
    return RETRY_AFTER_DEFAULT_S


async def _master_error(request: Request, exc: Exception) -> FastJSON:
    assert isinstance(exc, MasterError)
    code = status_of(exc)
    headers: dict[str, str] | None = None
    if isinstance(exc, AuthError):
        headers = _CHALLENGE
    elif isinstance(exc, Throttled):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after_s)))}
    elif code == status.HTTP_503_SERVICE_UNAVAILABLE:
        headers = {"Retry-After": str(retry_after_s(exc))}
    return FastJSON(error_body(code, str(exc)), status_code=code, headers=headers)


async def _invalid(request: Request, exc: Exception) -> FastJSON:
    assert isinstance(exc, RequestValidationError)
    # Only the location and pydantic's message: FastAPI's default also echoes ``input``.
    problems = [
        {"field": ".".join(str(p) for p in err.get("loc", ())), "message": str(err.get("msg"))}
        for err in exc.errors()
    ]
    return FastJSON(error_body(422, "invalid request", problems), status_code=422)


async def _http(request: Request, exc: Exception) -> FastJSON:
    assert isinstance(exc, StarletteHTTPException)
    return FastJSON(
        error_body(exc.status_code, str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


_INTERNAL = orjson.dumps(error_body(500, "internal error"))


class LastResort:
    """ASGI middleware: any exception the handlers above left answers 500 with the error body
    and is logged with its traceback here, once. Starlette's own last resort would do the same
    from outside every middleware, so its 500s would lack the security headers and go
    uncounted. An exception after the answer started cannot become a 500 any more: it
    propagates, and the server closes the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, receive, watched)
        except Exception:  # CancelledError is a BaseException: it passes
            if started:
                raise
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            await _answer_internal(send)


async def _answer_internal(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_INTERNAL)).encode()),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": _INTERNAL, "more_body": False})


def install(app: FastAPI) -> None:
    """Register the handlers and ``LastResort`` on ``app`` (``create_app`` does, before any
    other middleware, so ``LastResort`` sits innermost; a test app of one router may)."""
    for cls in STATUS:
        app.add_exception_handler(cls, _master_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_middleware(LastResort)
