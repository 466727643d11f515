"""CORS is off unless origins are configured; then exactly those origins may call with
credentials, and the settings refuse a wildcard."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from master.settings import MasterSettings
from tests.unit.gateway.apps import AUTH, client, gateway

OPS = "https://ops.example.com"


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }


async def test_no_cors_headers_by_default_even_on_a_preflight() -> None:
    async with client(gateway()) as http:
        pre = await http.options("/api/v1/clusters/edge/commands", headers=_preflight(OPS))
        get = await http.get("/api/v1/clusters", headers={**AUTH, "Origin": OPS})
    assert "access-control-allow-origin" not in pre.headers
    assert "access-control-allow-origin" not in get.headers
    assert get.status_code == 200


async def test_a_configured_origin_is_allowed_with_credentials() -> None:
    async with client(gateway(cors_origins=[OPS])) as http:
        pre = await http.options("/api/v1/clusters/edge/commands", headers=_preflight(OPS))
        get = await http.get("/api/v1/clusters", headers={**AUTH, "Origin": OPS})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == OPS
    assert pre.headers["access-control-allow-credentials"] == "true"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert get.headers["access-control-allow-origin"] == OPS
    assert "retry-after" in get.headers["access-control-expose-headers"].lower()
    assert pre.headers["x-frame-options"] == "DENY"  # the preflight has the security headers


async def test_another_origin_is_not() -> None:
    evil = "https://evil.example.net"
    async with client(gateway(cors_origins=[OPS])) as http:
        pre = await http.options("/api/v1/clusters/edge/commands", headers=_preflight(evil))
        get = await http.get("/api/v1/clusters", headers={**AUTH, "Origin": evil})
    assert pre.status_code == 400
    assert "access-control-allow-origin" not in pre.headers
    assert "access-control-allow-origin" not in get.headers


def test_the_setting_takes_a_json_list_of_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTER_CORS_ORIGINS", f'["{OPS}", "http://localhost:5173"]')
    s = MasterSettings(api_token="a" * 32, grpc_plaintext=True)
    assert s.cors_origins == [OPS, "http://localhost:5173"]
    monkeypatch.delenv("MASTER_CORS_ORIGINS")
    assert MasterSettings(api_token="a" * 32, grpc_plaintext=True).cors_origins == []


@pytest.mark.parametrize("origin", ["*", "https://ops.example.com/", "ops.example.com", "null"])
def test_a_wildcard_or_anything_but_an_origin_is_refused(origin: str) -> None:
    with pytest.raises(ValidationError, match="MASTER_CORS_ORIGINS"):
        MasterSettings(api_token="a" * 32, grpc_plaintext=True, cors_origins=[origin])
