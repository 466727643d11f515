"""A Kubernetes API error becomes the command failure the master stores: the error code for its
HTTP status and the API server's own words."""

from __future__ import annotations

import orjson
import pytest

from agent.errors import AgentError
from agent.executor.errors import CommandFailure, api_failure
from agent.kubeapi.errors import KubeConnectionError, KubeError, status_error


def _body(code: int, reason: str, message: str) -> bytes:
    return orjson.dumps(
        {"kind": "Status", "status": "Failure", "code": code, "reason": reason, "message": message}
    )


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        (400, "bad_request"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "conflict"),
        (410, "gone"),
        (422, "invalid"),
        (429, "too_many_requests"),
        (500, "api_server_error"),
        (503, "unavailable"),
        (504, "api_timeout"),
        (418, "api_error"),
        (502, "api_error"),
    ],
)
def test_each_status_has_its_error_code_and_the_servers_message(code: int, error_code: str) -> None:
    failure = api_failure(status_error(code, _body(code, "Why", f"the words for {code}")))
    assert isinstance(failure, CommandFailure)
    assert (failure.code, failure.http_status) == (error_code, code)
    assert failure.message == f"kubernetes API {code}: the words for {code}"


def test_without_a_message_the_stated_reason_then_the_status_is_said() -> None:
    stated = api_failure(status_error(409, orjson.dumps({"reason": "AlreadyExists"})))
    assert stated.message == "kubernetes API 409: AlreadyExists"
    # Not the reason the mapping fills in for an empty answer: the server stated none.
    assert api_failure(status_error(404, b"")).message == "kubernetes API 404: HTTP 404"
    assert api_failure(status_error(403, b"[]")).message == "kubernetes API 403: HTTP 403"


def test_a_body_that_is_not_json_is_quoted() -> None:
    failure = api_failure(status_error(502, b"upstream connect error"))
    assert (failure.code, failure.message) == (
        "api_error",
        "kubernetes API 502: upstream connect error",
    )
    cut = api_failure(status_error(500, b"y" * 1000))
    assert cut.message == "kubernetes API 500: " + "y" * 300


def test_no_answer_is_api_unreachable() -> None:
    failure = api_failure(KubeConnectionError("GET /api/v1/nodes/n1: reset"))
    assert (failure.code, failure.http_status) == ("api_unreachable", 0)
    assert failure.message == "kubernetes API unreachable: GET /api/v1/nodes/n1: reset"
    assert api_failure(KubeError("odd")).code == "api_error"


def test_command_failure_is_an_agent_error() -> None:
    assert isinstance(CommandFailure("refused", "no"), AgentError)
