"""Security headers on every answer the gateway gives: JSON, HTML, errors before routing
(413), unknown routes and 500s; HSTS only when the master serves TLS itself."""

from __future__ import annotations

import pytest

from master.gateway.headers import HSTS, HTML_CSP, JSON_CSP, security_headers
from tests.unit.gateway.apps import AUTH, client, gateway

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def test_html_gets_the_strict_policy_and_json_only_frame_ancestors() -> None:
    html = dict(security_headers("/", "text/html; charset=utf-8", tls=False))
    json = dict(security_headers("/healthz", "application/json", tls=False))
    assert html["content-security-policy"] == HTML_CSP
    assert json["content-security-policy"] == JSON_CSP == "frame-ancestors 'none'"
    assert "strict-transport-security" not in html | json


def test_only_the_api_is_never_cached_and_only_tls_gets_hsts() -> None:
    api = dict(security_headers("/api/v1/clusters", "application/json", tls=True))
    health = dict(security_headers("/healthz", "application/json", tls=True))
    assert api["cache-control"] == "no-store"
    assert "cache-control" not in health
    assert api["strict-transport-security"] == health["strict-transport-security"] == HSTS
    assert "cache-control" not in dict(security_headers("/api/v1x", "", tls=False))


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/api/v1/clusters", 200),
        ("GET", "/api/v1/clusters/nowhere", 404),
        ("GET", "/api/v1/no-such-route", 404),
        ("GET", "/api/openapi.json", 200),
    ],
)
async def test_every_answer_carries_the_headers(method: str, path: str, status: int) -> None:
    async with client(gateway()) as http:
        r = await http.request(method, path, headers=AUTH)
    assert r.status_code == status
    assert ALWAYS.items() <= r.headers.items()
    assert r.headers["content-security-policy"] == JSON_CSP
    assert (r.headers.get("cache-control") == "no-store") == path.startswith("/api/v1/")
    assert "strict-transport-security" not in r.headers


async def test_a_413_before_routing_carries_them_too() -> None:
    async with client(gateway()) as http:
        r = await http.post("/api/v1/clusters", content=b"x" * 2048)
    assert r.status_code == 413
    assert ALWAYS.items() <= r.headers.items()
    assert r.headers["cache-control"] == "no-store"


def test_svg_is_a_document_and_gets_the_strict_policy() -> None:
    svg = dict(security_headers("/favicon.svg", "image/svg+xml", tls=False))
    assert svg["content-security-policy"] == HTML_CSP


async def test_hsts_when_the_master_serves_tls() -> None:
    async with client(gateway(tls=True)) as http:
        r = await http.get("/healthz")
    assert r.headers["strict-transport-security"] == "max-age=31536000"
