"""Big API answers go gzip'd to a client that accepts it (a cluster's pod list is megabytes of
JSON); small ones are sent as they are, and a client that takes no gzip gets plain JSON."""

from __future__ import annotations

import httpx
import orjson

from master.datahub.hub import DataHub
from master.gateway.app import GZIP_MIN_BYTES, create_app
from master.gateway.state import GatewayState
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta
from tests.unit.gateway.apps import AUTH, DASHBOARD_FIXTURE, TOKEN

PODS = 2_000


def _app() -> httpx.ASGITransport:
    hub = DataHub(reconnecting_after_s=15, offline_after_s=60)
    cluster = hub.ensure("edge")
    pods = tuple(
        Resource(
            ObjectRef("Pod", "shop", f"web-{i}", uid=f"u{i}"),
            "1",
            body_json=orjson.dumps({"metadata": {"name": f"web-{i}"}, "spec": {"x": "y" * 40}}),
        )
        for i in range(PODS)
    )
    cluster.apply_delta(ResourceDelta("Pod", upserts=pods))
    state = GatewayState(hub=hub, api_token=TOKEN)
    return httpx.ASGITransport(create_app(state=state, dashboard_dir=DASHBOARD_FIXTURE))


async def test_a_big_answer_is_gzipped_and_a_small_one_is_not() -> None:
    url = f"/api/v1/clusters/edge/resources?kind=Pod&limit={PODS}"
    async with httpx.AsyncClient(transport=_app(), base_url="http://t", headers=AUTH) as http:
        big = await http.get(url, headers={"accept-encoding": "gzip"})
        small = await http.get("/api/v1/clusters", headers={"accept-encoding": "gzip"})
        plain = await http.get(url, headers={"accept-encoding": "identity"})
    assert big.status_code == 200
    assert big.headers["content-encoding"] == "gzip"
    assert len(big.json()["items"]) == PODS  # httpx decoded it: the JSON is whole
    assert len(plain.content) > GZIP_MIN_BYTES
    assert "content-encoding" not in plain.headers
    assert plain.json() == big.json()
    assert small.status_code == 200 and "content-encoding" not in small.headers
    assert big.num_bytes_downloaded < len(plain.content) / 4  # what crossed the wire
