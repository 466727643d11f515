"""Structured command failures: what the master stores as ``error_code`` + ``message``.

Owns ``CommandFailure`` and the one conversion of a Kubernetes API error
(``agent.kubeapi.errors``, mapped once from the ``Status`` body the server sent) into one, so an
operator reads the API server's own words ("deployments.apps \\"web\\" is forbidden: ..."),
never a traceback. Deliberately does not parse API answers itself::

    AgentError (agent.errors)
    └── CommandFailure        -- a command ended in failure; carries error_code + message
                                 (policy refusals, deadlines, Kubernetes API errors, refusals)
"""

from __future__ import annotations

from typing import Any

from agent.errors import AgentError
from agent.kubeapi.errors import KubeConnectionError, KubeError, KubeStatusError

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


class CommandFailure(AgentError):
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


def api_failure(error: KubeError) -> CommandFailure:
    """The failure a Kubernetes API error means for a command."""
    if isinstance(error, KubeStatusError):
        # The server's message; else the reason it stated (not one made up for the code).
        stated = str(error.status.get("reason") or "")
        text = error.message or stated or f"HTTP {error.code}"
        return CommandFailure(
            API_CODES.get(error.code, "api_error"),
            f"kubernetes API {error.code}: {text}",
            http_status=error.code,
        )
    if isinstance(error, KubeConnectionError):
        return CommandFailure("api_unreachable", f"kubernetes API unreachable: {error}")
    return CommandFailure("api_error", f"kubernetes API: {error}")
