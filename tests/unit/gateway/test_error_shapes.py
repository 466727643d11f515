"""Every error the gateway gives has one body, ``{"error": <code>, "message": <text>}``: from
the handlers (one case per status below; each master error class is in ``test_errors``), from
FastAPI's own errors (validation, unknown route, wrong method), from the body limit before
routing, and from a route that crashes, whose 500 tells nothing of the crash. The OpenAPI
document describes them."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from master.gateway.bodies import CODES, ErrorCode, code_of
from tests.unit.gateway.apps import AUTH, client, gateway

SECRET = "hunter2-correct-horse"


def _shape(body: dict[str, Any], code: str) -> None:
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"error", "message", "problems"}


NOT_JSON = {**AUTH, "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "content", "status", "code", "message"),
    [
        ("GET", "/api/v1/clusters", {}, None, 401, "unauthorized", "missing bearer token"),
        ("GET", "/api/v1/clusters/x", AUTH, None, 404, "not_found", "unknown cluster 'x'"),
        ("GET", "/api/v1/no-such-route", AUTH, None, 404, "not_found", "Not Found"),
        ("DELETE", "/api/v1/clusters", AUTH, None, 405, "method_not_allowed", None),
        ("GET", "/api/v1/users", AUTH, None, 503, "unavailable", "history store not running"),
        ("POST", "/api/v1/auth/password", NOT_JSON, b"\xff{", 400, "bad_request", None),
        ("POST", "/api/v1/clusters", {}, b"x" * 2048, 413, "too_large", None),
    ],
)
async def test_each_kind_of_error_has_its_code_and_a_message(
    method: str,
    path: str,
    headers: dict[str, str],
    content: bytes | None,
    status: int,
    code: str,
    message: str | None,
) -> None:
    async with client(gateway()) as http:
        r = await http.request(method, path, headers=headers, content=content)
    assert r.status_code == status, r.text
    _shape(r.json(), code)
    if message is not None:
        assert r.json()["message"] == message


async def test_a_422_names_the_field_but_never_echoes_a_password() -> None:
    async with client(gateway()) as http:
        r = await http.post(
            "/api/v1/auth/login", json={"username": "", "password": [SECRET], "extra": SECRET}
        )
    assert r.status_code == 422
    body = r.json()
    _shape(body, "invalid")
    fields = {p["field"] for p in body["problems"]}
    assert {"body.username", "body.password"} <= fields
    assert all(set(p) == {"field", "message"} for p in body["problems"])
    assert SECRET not in r.text


async def test_a_crashing_route_answers_500_without_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = gateway()

    async def crash() -> None:
        raise RuntimeError(f"database password is {SECRET}")

    app.add_api_route("/crash", crash)
    with caplog.at_level(logging.ERROR, logger="master.gateway.errors"):
        async with client(app) as http:
            r = await http.get("/crash")
    assert r.status_code == 500
    assert r.json() == {"error": "internal", "message": "internal error"}
    assert SECRET not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"  # inside the headers middleware
    [record] = [r for r in caplog.records if r.exc_info]  # the traceback goes to the log
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError


def test_every_status_has_one_code_and_unknown_ones_fall_back_by_class() -> None:
    assert len(set(CODES.values())) == len(CODES)
    assert set(CODES.values()) == set(ErrorCode.__args__)  # type: ignore[attr-defined]
    assert (code_of(418), code_of(502)) == ("bad_request", "internal")


async def test_the_openapi_document_describes_the_error_bodies() -> None:
    async with client(gateway()) as http:
        doc = (await http.get("/api/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert set(schemas["ErrorBody"]["required"]) == {"error", "message"}
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is not what we send
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    create_user = doc["paths"]["/api/v1/users"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "422", "503"} <= set(create_user)
    assert create_user["409"]["content"]["application/json"]["schema"] == ref
    login = doc["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert login["429"]["content"]["application/json"]["schema"] == ref
