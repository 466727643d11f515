"""A gateway as ``create_app`` builds it, without a master behind it: no store, no bus, no
logins (the break-glass token only), served in-process over ``httpx.ASGITransport``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import httpx

from master.datahub.hub import DataHub
from master.gateway.app import GatewayApp, create_app
from master.gateway.state import GatewayState

TOKEN = "t" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# The stand-in dashboard build the browser tests serve too.
DASHBOARD_FIXTURE = Path(__file__).resolve().parents[2] / "browser" / "fixtures" / "dashboard"


def gateway(
    *,
    tls: bool = False,
    cors_origins: Sequence[str] = (),
    dashboard_dir: Path | None = None,
    docs_assets_dir: Path | None = None,
) -> GatewayApp:
    state = GatewayState(hub=DataHub(reconnecting_after_s=15, offline_after_s=60), api_token=TOKEN)
    return create_app(
        state=state,
        body_max_bytes=1024,
        tls=tls,
        cors_origins=cors_origins,
        dashboard_dir=dashboard_dir or DASHBOARD_FIXTURE,
        docs_assets_dir=docs_assets_dir,
    )


def client(app: GatewayApp) -> httpx.AsyncClient:
    # raise_app_exceptions stays on: an exception reaching the transport would be a gateway
    # that let one escape instead of answering 500.
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")
