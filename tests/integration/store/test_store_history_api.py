"""The history routes over HTTP against a real store on both backends."""

from __future__ import annotations

import httpx
import pytest

from master.store import Store, StoreSettings, maintain_once
from master.store.repositories import journal as journal_module
from shared.domain.findings import Severity
from tests.integration.store.store_records import finding, findings_record, metrics_record

NOW = 1_700_000_000_000


@pytest.fixture
def client(api: httpx.AsyncClient) -> httpx.AsyncClient:
    return api  # the real gateway over the store (conftest)


async def _seed_findings(store: Store) -> None:
    """fp10 (opened ten minutes ago) reaches the master first, fp1 (a minute ago) last."""
    records = [
        findings_record(
            11 - i,
            finding(
                f"fp{i}",
                first=NOW - i * 60_000,
                last=NOW - i * 60_000,
                severity=Severity.WARNING if i % 2 else Severity.CRITICAL,
                namespace="shop" if i < 6 else "ops",
            ),
        )
        for i in range(10, 0, -1)
    ]
    await store.journal.commit("prod", records, 10)


async def test_the_history_routes_refuse_a_caller_without_credentials(
    client: httpx.AsyncClient,
) -> None:
    for path in (
        "/api/v1/clusters/prod/findings/history",
        "/api/v1/clusters/prod/nodes/n1/metrics",
    ):
        r = await client.get(path, headers={"Authorization": ""})
        assert r.status_code == 401, (path, r.text)


async def test_findings_history_pages_through_every_occurrence_once(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed_findings(store)
    seen: list[str] = []
    params: dict[str, str] = {"from": str(NOW - 3_600_000), "to": str(NOW + 1), "limit": "4"}
    while True:
        r = await client.get("/api/v1/clusters/prod/findings/history", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [item["fingerprint"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == [f"fp{i}" for i in range(1, 11)]


async def test_findings_history_filters_by_namespace_severity_and_rfc3339_range(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed_findings(store)
    r = await client.get(
        "/api/v1/clusters/prod/findings/history",
        params={
            "from": "2023-11-14T21:00:00Z",  # NOW is 2023-11-14T22:13:20Z
            "to": "2023-11-14T23:00:00+00:00",
            "namespace": "shop",
            "severity": "critical",
        },
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["fingerprint"], i["severity"]) for i in items] == [
        ("fp2", "critical"),
        ("fp4", "critical"),
    ]
    assert items[0]["subject"] == {
        "kind": "Pod",
        "namespace": "shop",
        "name": "pod-fp2",
        "uid": "uid-fp2",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "yesterday"}, "neither epoch milliseconds nor an RFC 3339"),
        ({"from": "2024-01-01T00:00:00"}, "needs a timezone"),
        ({"from": "2000", "to": "1000"}, "must be before"),
        ({"from": "1000", "to": "1000"}, "must be before"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"severity": "fatal"}, "unknown severity"),
        ({"cursor": "%%%"}, "invalid cursor"),
    ],
)
async def test_invalid_findings_queries_are_400_with_a_message(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    r = await client.get("/api/v1/clusters/prod/findings/history", params=params)
    assert r.status_code == 400
    assert message in r.json()["message"]  # the gateway's error body (master.gateway.errors)


async def test_unknown_cluster_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/clusters/ghost/findings/history")
    assert r.status_code == 404
    r = await client.get("/api/v1/clusters/ghost/nodes/n1/metrics")
    assert r.status_code == 404


async def test_node_metrics_returns_raw_points_for_an_hour(
    client: httpx.AsyncClient, store: Store
) -> None:
    await store.journal.commit(
        "prod", [metrics_record(i, node="n1", at_ms=NOW - i * 15_000) for i in range(1, 241)], 240
    )
    r = await client.get(
        "/api/v1/clusters/prod/nodes/n1/metrics",
        params={"from": str(NOW - 3_600_000), "to": str(NOW)},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["resolution"], len(body["times_ms"])) == ("raw", 240)
    assert body["times_ms"] == sorted(body["times_ms"])
    assert body["series"]["cpu_pct"][0] == 10.0


async def test_node_metrics_uses_rollups_for_a_day_and_steps_for_coarser_buckets(
    client: httpx.AsyncClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "wall_ms", lambda: NOW - 1)  # received as they were taken
    await store.journal.commit(
        "prod", [metrics_record(i, node="n1", at_ms=NOW - i * 15_000) for i in range(1, 961)], 960
    )
    await maintain_once(store, StoreSettings(purge_pause_s=0, rollup_delay_s=0), now_ms=NOW)
    day = await client.get(
        "/api/v1/clusters/prod/nodes/n1/metrics",
        params={"from": str(NOW - 86_400_000), "to": str(NOW)},
    )
    assert day.status_code == 200, day.text
    # 4 h of samples over 49 five-minute buckets (NOW is not aligned); the last, still
    # filling, is rolled up with what it holds so far.
    assert (day.json()["resolution"], len(day.json()["times_ms"])) == ("5m", 49)
    assert day.json()["series"]["cpu_pct_max"][0] == 10.0
    hourly = await client.get(
        "/api/v1/clusters/prod/nodes/n1/metrics",
        params={"from": str(NOW - 4 * 3_600_000), "to": str(NOW), "step": "1h"},
    )
    assert hourly.status_code == 200, hourly.text
    assert (hourly.json()["resolution"], hourly.json()["step_ms"]) == ("1h", 3_600_000)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"step": "fast"}, "not a duration"),
        ({"step": "10ms"}, "below the 1 s minimum"),
        ({"from": "0", "to": str(NOW), "step": "1s"}, "points requested"),
        ({"from": str(NOW), "to": str(NOW - 1)}, "must be before"),
    ],
)
async def test_invalid_metrics_queries_are_400_with_a_message(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    r = await client.get("/api/v1/clusters/prod/nodes/n1/metrics", params=params)
    assert r.status_code == 400
    assert message in r.json()["message"]  # the gateway's error body (master.gateway.errors)


async def test_history_shows_the_masters_receive_time_beside_a_skewed_agents_times(
    client: httpx.AsyncClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agent 2 days ahead: the API filters by its times and shows the master's beside them."""
    ahead = NOW + 2 * 86_400_000
    monkeypatch.setattr(journal_module, "wall_ms", lambda: NOW)
    records = [
        findings_record(1, finding("skewed", first=ahead, last=ahead)),
        metrics_record(2, node="n1", at_ms=ahead - 15_000),
        metrics_record(3, node="n1", at_ms=ahead),
    ]
    await store.journal.commit("prod", records, 3)
    window = {"from": str(ahead - 3_600_000), "to": str(ahead + 1)}
    found = await client.get("/api/v1/clusters/prod/findings/history", params=window)
    assert found.status_code == 200, found.text
    [item] = found.json()["items"]
    assert (item["last_seen_ms"], item["received_ms"]) == (ahead, NOW)
    raw = await client.get("/api/v1/clusters/prod/nodes/n1/metrics", params=window)
    assert raw.status_code == 200, raw.text
    assert raw.json()["times_ms"] == [ahead - 15_000, ahead]
    assert raw.json()["received_ms"] == [NOW, NOW]
    stepped = await client.get(
        "/api/v1/clusters/prod/nodes/n1/metrics", params={**window, "step": "1m"}
    )
    assert stepped.status_code == 200, stepped.text
    assert set(stepped.json()["received_ms"]) == {NOW}
