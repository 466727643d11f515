"""⑧ The one error body every gateway answer has, as data and as the OpenAPI model.

``{"error": <code>, "message": <text>}``, plus ``"problems"`` on a 422 from request
validation. The code is a stable snake_case word per status (``CODES``): clients branch on it,
people read the message, which may change wording at any time. A problem names where the bad
input was and what is wrong with it, never the input itself: the field may be a password.

Also here: ``error_responses``, the OpenAPI ``responses=`` entries that document these bodies,
so ``/api/openapi.json`` says what every route can answer besides success.

Owns the shape only; which exception becomes which status is ``master.gateway.errors``'
business, the 413 before routing is ``master.gateway.limits``'."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ErrorCode = Literal[
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "too_large",
    "invalid",
    "throttled",
    "internal",
    "unavailable",
]

# HTTP status -> the code its body carries. One code per status keeps the set closed (the
# OpenAPI enum) and means a client needs no table of classes the master may add later.
CODES: dict[int, ErrorCode] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    500: "internal",
    503: "unavailable",
}

# What each documented status means, for the OpenAPI description of the response.
MEANINGS: dict[int, str] = {
    400: "A query parameter or header value the API cannot use",
    401: "No valid bearer token (or the credentials were refused)",
    403: "Authenticated, but without the permission this route needs",
    404: "No such object (or one in a cluster the caller cannot see)",
    409: "The change clashes with the current state",
    413: "The request body is above the route's limit",
    422: "The request is well-formed but invalid (see problems, or the message)",
    429: "Too many failed attempts; retry after Retry-After seconds",
    503: "A part the route needs is not running; retry after Retry-After seconds",
}


def code_of(status: int) -> ErrorCode:
    """The code for an HTTP error status; a status outside the table gets its class's."""
    if (code := CODES.get(status)) is not None:
        return code
    return "internal" if status >= 500 else "bad_request"


class Problem(BaseModel):
    """One thing wrong with a request that failed validation."""

    field: str = Field(description="Where: the location, dotted (`body.password`, `query.limit`)")
    message: str = Field(description="What is wrong; never contains the submitted value")


class ErrorBody(BaseModel):
    """The body of every error answer."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorCode = Field(description="Stable machine-readable code (one per HTTP status)")
    message: str = Field(description="Human-readable explanation; its wording may change")
    problems: list[Problem] | None = Field(None, description="Request validation errors (422 only)")


def error_body(
    status: int, message: str, problems: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The JSON body for an error answer with ``status``."""
    body: dict[str, Any] = {"error": code_of(status), "message": message}
    if problems is not None:
        body["problems"] = problems
    return body


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting ``ErrorBody`` for each status."""
    return {s: {"model": ErrorBody, "description": MEANINGS[s]} for s in statuses}
