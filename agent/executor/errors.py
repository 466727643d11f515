"""Structured command failures: what the master stores as ``error_code`` + ``message``.

Kubernetes API errors are wrapped here, once, from the ``Status`` body the server sent, so an
operator reads the API server's own words ("deployments.apps \\"web\\" is forbidden: ..."),
never a traceback."""

from __future__ import annotations

from typing import Any

import orjson

from shared.errors import LookoutError

# HTTP status -> error_code; anything else from the API is ``api_error``.
API_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    410: "gone",
    422: "invalid",
    429: "too_many_requests",
    500: "api_server_error",
    503: "unavailable",
    504: "api_timeout",
}


class CommandFailure(LookoutError):
    """A command failed; ``result`` carries partial results (e.g. a drain's per-pod report)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int = 0,
        result: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.result = result


def api_failure(status: int, body: bytes, reason: str = "") -> CommandFailure:
    """Build the failure from an API response (usually a ``Status`` object)."""
    message = ""
    try:
        doc = orjson.loads(body) if body else None
        if isinstance(doc, dict):
            message = str(doc.get("message") or "")
            reason = str(doc.get("reason") or reason)
    except orjson.JSONDecodeError:
        message = body[:300].decode("utf-8", "replace")
    code = API_CODES.get(status, "api_error")
    text = message or reason or f"HTTP {status}"
    return CommandFailure(code, f"kubernetes API {status}: {text}", http_status=status)
