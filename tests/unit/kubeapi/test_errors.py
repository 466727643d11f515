"""The one Status -> exception mapping: each answer the API server gives becomes the subclass
its callers catch, with the server's own reason and words."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from agent.errors import AgentError
from agent.kubeapi.errors import (
    MAX_BODY_TEXT,
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    KubeConnectionError,
    KubeError,
    KubeStatusError,
    NotFound,
    ServerError,
    TooManyRequests,
    Unauthorized,
    from_status,
    status_error,
)


def _status(code: int, reason: str, message: str, **extra: Any) -> dict[str, Any]:
    """A ``Status`` as kube-apiserver writes it."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
        **extra,
    }


# What a real API server answers, one per subclass (messages as kube-apiserver words them).
ANSWERS: list[tuple[type[KubeStatusError], dict[str, Any]]] = [
    (
        BadRequest,
        _status(
            400,
            "BadRequest",
            "unable to parse requirement: found '=', expected: identifier",
        ),
    ),
    (Unauthorized, _status(401, "Unauthorized", "Unauthorized")),
    (
        Forbidden,
        _status(
            403,
            "Forbidden",
            'secrets is forbidden: User "system:serviceaccount:lookout:agent" cannot list '
            'resource "secrets" in API group "" at the cluster scope',
            details={"kind": "secrets"},
        ),
    ),
    (
        NotFound,
        _status(404, "NotFound", 'pods "web-0" not found', details={"name": "web-0"}),
    ),
    (
        Conflict,
        _status(
            409,
            "Conflict",
            'Operation cannot be fulfilled on leases.coordination.k8s.io "lookout-agent": the '
            "object has been modified; please apply your changes to the latest version and "
            "try again",
        ),
    ),
    (Conflict, _status(409, "AlreadyExists", 'leases.coordination.k8s.io "x" already exists')),
    (Gone, _status(410, "Expired", "too old resource version: 1 (2)")),
    (
        Invalid,
        _status(
            422,
            "Invalid",
            'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be '
            "greater than or equal to 0",
        ),
    ),
    (
        TooManyRequests,
        _status(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
            details={"causes": [{"reason": "DisruptionBudget"}]},
        ),
    ),
    (ServerError, _status(500, "InternalError", "Internal error occurred: etcdserver: leader")),
    (ServerError, _status(503, "ServiceUnavailable", "the server is currently unable to handle")),
    (ServerError, _status(504, "Timeout", "the server was unable to return a response in time")),
]


@pytest.mark.parametrize(
    ("cls", "status"), ANSWERS, ids=[f"{s['code']}-{s['reason']}" for _, s in ANSWERS]
)
def test_a_status_body_becomes_its_subclass_with_the_servers_words(
    cls: type[KubeStatusError], status: dict[str, Any]
) -> None:
    error = status_error(status["code"], orjson.dumps(status))
    assert type(error) is cls
    assert (error.code, error.reason, error.message) == (
        status["code"],
        status["reason"],
        status["message"],
    )
    assert error.status == status
    assert str(error) == f"{status['code']} {status['reason']}: {status['message']}"
    assert isinstance(error, KubeError)
    assert isinstance(error, AgentError)


def test_a_code_without_a_subclass_is_a_plain_status_error() -> None:
    error = status_error(418, orjson.dumps(_status(418, "Teapot", "short and stout")))
    assert type(error) is KubeStatusError
    assert (error.code, error.reason, error.message) == (418, "Teapot", "short and stout")


def test_a_body_that_is_not_json_keeps_its_start_as_the_message() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    error = status_error(502, page)
    assert type(error) is ServerError
    assert (error.code, error.reason, error.message) == (502, "Error", page.decode())
    assert error.status == {}

    long = status_error(404, b"x" * (MAX_BODY_TEXT * 3))
    assert type(long) is NotFound
    assert long.message == "x" * MAX_BODY_TEXT
    assert long.reason == "NotFound"


def test_an_empty_body_gets_the_standard_reason_for_its_code() -> None:
    error = status_error(404, b"")
    assert type(error) is NotFound
    assert (error.reason, error.message, str(error)) == ("NotFound", "", "404 NotFound")
    assert error.status == {}
    assert status_error(410, b"").reason == "Expired"
    assert status_error(500, b"").reason == "Error"


def test_json_that_is_not_a_status_object_is_treated_as_no_status() -> None:
    error = status_error(403, b'["not", "a", "status"]')
    assert type(error) is Forbidden
    assert (error.reason, error.message, error.status) == ("Forbidden", "", {})


def test_a_watch_error_event_maps_by_the_code_its_status_carries() -> None:
    error = from_status(_status(410, "Expired", "too old resource version: 5 (9)"))
    assert type(error) is Gone
    assert str(error) == "410 Expired: too old resource version: 5 (9)"


def test_a_connection_failure_is_a_kube_error_but_not_a_status() -> None:
    error = KubeConnectionError("GET /api/v1/pods: reset")
    assert isinstance(error, KubeError)
    assert not isinstance(error, KubeStatusError)
