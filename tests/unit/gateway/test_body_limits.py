"""The gateway's body limits as ``create_app`` mounts them: a route's declared limit applies
under its prefix, the default everywhere else, both before authentication."""

from __future__ import annotations

import httpx

from master.datahub.hub import DataHub
from master.gateway.app import create_app
from master.gateway.routes.commands import CANCEL_BODY_MAX, COMMAND_BODY_MAX
from master.gateway.state import GatewayState


def _client(default: int) -> httpx.AsyncClient:
    state = GatewayState(
        hub=DataHub(reconnecting_after_s=15, offline_after_s=60), api_token="t" * 32
    )
    app = create_app(state=state, body_max_bytes=default)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


async def test_declared_route_limits_apply_under_the_api_prefix_before_auth() -> None:
    async with _client(default=1 << 20) as http:
        r = await http.post("/api/v1/clusters/edge/commands", content=b"{" * (COMMAND_BODY_MAX + 1))
        assert r.status_code == 413
        assert r.headers["connection"] == "close"
        r = await http.post("/api/v1/commands/c1/cancel", content=b"{" * (CANCEL_BODY_MAX + 1))
        assert r.status_code == 413
        # At the limit the request goes on to authentication, as before.
        r = await http.post("/api/v1/clusters/edge/commands", content=b"{" * COMMAND_BODY_MAX)
        assert r.status_code == 401


async def test_the_default_applies_elsewhere_and_a_route_limit_never_raises_it() -> None:
    async with _client(default=1024) as http:
        r = await http.post("/api/v1/clusters", content=b"x" * 1025)
        assert (r.status_code, r.json()) == (
            413,
            {"error": "too_large", "message": "request body of 1025 bytes exceeds 1024"},
        )
        r = await http.post("/api/v1/clusters/edge/commands", content=b"{" * 1025)
        assert r.status_code == 413  # its own 16 KiB is above the default: the default wins
        assert (await http.get("/healthz")).status_code == 200
