"""The one mapping from a Kubernetes API answer to an exception.

Owns the exception tree every part of the agent catches when it talks to the API server, and the
function that turns a non-2xx answer (its HTTP status and its body, usually a ``Status`` object)
into the right subclass. Callers catch the subclass that means something to them (``Gone``:
relist; ``Conflict``: a lost race for a Lease; ``TooManyRequests``: a PodDisruptionBudget says
not now) instead of comparing codes. Deliberately does not own what a caller makes of an error
(the executor turns it into a ``CommandFailure``, the sources into a source state)::

    AgentError (agent.errors)
    └── KubeError                  -- talking to the API server failed
        ├── KubeConnectionError    -- no answer: connect/read timeout, reset, TLS failure
        └── KubeStatusError        -- the server answered non-2xx (code, reason, message, status)
            ├── BadRequest         -- 400
            ├── Unauthorized       -- 401
            ├── Forbidden          -- 403
            ├── NotFound           -- 404
            ├── Conflict           -- 409
            ├── Gone               -- 410 (a resourceVersion or continue token expired)
            ├── Invalid            -- 422
            ├── TooManyRequests    -- 429
            └── ServerError        -- 5xx
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from agent.errors import AgentError

# How much of a body that is not a Status object (a proxy's HTML page) an error keeps as its
# message: enough to recognise it, not a page of markup in every log line.
MAX_BODY_TEXT = 300


class KubeError(AgentError):
    """Talking to the Kubernetes API server failed."""


class KubeConnectionError(KubeError):
    """No usable answer from the API server (network, TLS, timeout, truncated stream)."""


class KubeStatusError(KubeError):
    """The API server answered with an error status.

    ``code``: the HTTP status; ``reason``: the Status object's reason such as ``Forbidden`` or
    ``Expired`` (the standard one for the code when the server gave none); ``message``: the
    server's own words (or the start of a body that was not a Status); ``status``: the Status
    object as the server sent it (empty when the body was not one)."""

    def __init__(
        self, code: int, reason: str, message: str, *, status: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code} {reason}: {message}" if message else f"{code} {reason}")
        self.code = code
        self.reason = reason
        self.message = message
        self.status: Mapping[str, Any] = status or {}


class BadRequest(KubeStatusError):
    """400: the request is malformed (a bad selector, a patch that does not parse)."""


class Unauthorized(KubeStatusError):
    """401: the credentials were refused."""


class Forbidden(KubeStatusError):
    """403: RBAC (or an admission rule) does not allow this."""


class NotFound(KubeStatusError):
    """404: no such object, or an API the cluster does not serve."""


class Conflict(KubeStatusError):
    """409: a stale resourceVersion, or an object that already exists."""


class Gone(KubeStatusError):
    """410: the resourceVersion or continue token is too old; start over with a fresh list."""


class Invalid(KubeStatusError):
    """422: the object does not validate."""


class TooManyRequests(KubeStatusError):
    """429: not now (API priority and fairness, or an eviction a PodDisruptionBudget blocks)."""


class ServerError(KubeStatusError):
    """5xx: the API server (or something behind it) failed."""


_BY_CODE: dict[int, type[KubeStatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}

# The reason a Status carries for a code, for answers without one (an empty 404 from a proxy).
_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 410: "Expired"}


def error_class(code: int) -> type[KubeStatusError]:
    """The subclass for an HTTP status (``KubeStatusError`` itself for codes without one)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    return ServerError if 500 <= code <= 599 else KubeStatusError


def status_error(code: int, body: bytes) -> KubeStatusError:
    """The error for a non-2xx answer whose body is usually a ``Status`` object."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:MAX_BODY_TEXT].decode("utf-8", "replace")
        return error_class(code)(code, _REASONS.get(code, "Error"), text)
    return from_status(doc if isinstance(doc, dict) else {}, code=code)


def from_status(status: Mapping[str, Any], *, code: int | None = None) -> KubeStatusError:
    """The error a ``Status`` object describes (a watch's ERROR event carries one). ``code``
    is the HTTP status when there was one; otherwise the Status's own ``code``."""
    if code is None:
        code = int(status.get("code") or 0)
    reason = str(status.get("reason") or "") or _REASONS.get(code, "Error")
    message = str(status.get("message") or "")
    return error_class(code)(code, reason, message, status=status)
