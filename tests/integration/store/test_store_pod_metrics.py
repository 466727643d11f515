"""Pod metrics through the store on both backends: container samples with their pod's
requests and limits, 5-minute roll-ups, and the pod and workload routes over HTTP."""

from __future__ import annotations

import httpx
import pytest

from master.store import Store, StoreSettings, maintain_once
from shared.clock import now_ms
from shared.domain.journal import JournalRecord, PodMetricsBatch
from shared.domain.podmetrics import ContainerSpec, ContainerUsage, PodUsage

# A 5-minute boundary an hour ago: the store stamps rows with the wall clock on commit, and
# roll-ups and retention go by that, so the samples' own times must be near it.
NOW = now_ms() // 300_000 * 300_000 - 3_600_000
MI = 2**20


def _spec(limit_mi: int, restarts: int = 0) -> ContainerSpec:
    return ContainerSpec(
        cpu_request_m=100.0,
        cpu_limit_m=500.0,
        memory_request_bytes=64 * MI,
        memory_limit_bytes=limit_mi * MI,
        restarts=restarts,
        workload="Deployment/web",
    )


def _record(
    seq: int, at_ms: int, *pods: tuple[str, float, int, ContainerSpec | None]
) -> JournalRecord:
    usage = tuple(
        PodUsage("shop", pod, at_ms, 20_000, (ContainerUsage("app", cpu, mem, spec),))
        for pod, cpu, mem, spec in pods
    )
    return JournalRecord(seq, at_ms, PodMetricsBatch(usage))


async def _seed(store: Store) -> None:
    """web-1 grows 10 MiB a sample against a 512 MiB limit, raised to 1 GiB at the 4th
    sample; web-2 stays flat; a pod the mirror did not hold arrives without a spec."""
    records = []
    for i in range(6):
        at = NOW - 600_000 + i * 30_000
        limit = 512 if i < 3 else 1024
        records.append(
            _record(
                i + 1,
                at,
                ("web-1", 100.0 + i, (100 + 10 * i) * MI, _spec(limit, restarts=i // 2)),
                ("web-2", 50.0, 80 * MI, _spec(512)),
                ("stray", 1.0, MI, None),
            )
        )
    await store.journal.commit("prod", records, 6)


@pytest.fixture
def client(api: httpx.AsyncClient) -> httpx.AsyncClient:
    return api  # the real gateway over the store (conftest)


async def test_a_pod_answers_raw_samples_next_to_the_limits_they_ran_under(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed(store)
    r = await client.get(
        "/api/v1/clusters/prod/pods/shop/web-1/metrics",
        params={"from": NOW - 3_600_000, "to": NOW},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["resolution"] == "raw"
    [app] = body["containers"]
    assert app["container"] == "app"
    assert len(app["times_ms"]) == 6
    s = app["series"]
    assert s["mem_bytes_avg"] == [(100 + 10 * i) * MI for i in range(6)]
    assert s["mem_limit"] == [512 * MI] * 3 + [1024 * MI] * 3
    assert s["cpu_m_max"][0] == 100.0
    assert s["cpu_request_m"] == [100.0] * 6
    assert s["restarts"] == [0, 0, 1, 1, 2, 2]


async def test_a_pod_the_mirror_did_not_hold_is_stored_with_null_limits(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed(store)
    r = await client.get(
        "/api/v1/clusters/prod/pods/shop/stray/metrics", params={"from": NOW - 3_600_000, "to": NOW}
    )
    s = r.json()["containers"][0]["series"]
    assert s["mem_limit"] == [None] * 6
    assert s["mem_bytes_avg"] == [MI] * 6


async def test_a_replayed_batch_stores_nothing_twice(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed(store)
    await _seed(store)  # the same sequence numbers again: below the mark
    # And the same samples under new sequence numbers (an agent that lost its spool's acks).
    await store.journal.commit(
        "prod", [_record(7, NOW - 600_000, ("web-2", 50.0, 80 * MI, None))], 7
    )
    r = await client.get(
        "/api/v1/clusters/prod/pods/shop/web-2/metrics", params={"from": NOW - 3_600_000, "to": NOW}
    )
    assert len(r.json()["containers"][0]["times_ms"]) == 6


async def test_roll_ups_keep_avg_and_max_and_the_largest_limit_of_each_bucket(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed(store)
    await maintain_once(store, StoreSettings(purge_pause_s=0, rollup_delay_s=0), now_ms=now_ms())
    r = await client.get(
        "/api/v1/clusters/prod/pods/shop/web-1/metrics",
        params={"from": NOW - 3 * 86_400_000, "to": NOW},
    )
    body = r.json()
    assert body["resolution"] == "5m"
    s = body["containers"][0]["series"]
    # All six samples (30 s apart from NOW - 10 min) fall into one bucket.
    assert body["containers"][0]["times_ms"] == [NOW - 600_000]
    assert s["mem_bytes_max"] == [150 * MI]
    assert s["restarts"] == [2]
    assert s["mem_bytes_avg"][0] == pytest.approx(sum((100 + 10 * i) * MI for i in range(6)) / 6)
    assert s["mem_limit"] == [1024 * MI]


async def test_a_workload_sums_its_pods_and_keeps_the_busiest_pods_peak(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed(store)
    await maintain_once(store, StoreSettings(purge_pause_s=0, rollup_delay_s=0), now_ms=now_ms())
    r = await client.get(
        "/api/v1/clusters/prod/workloads/deploy/shop/web/metrics",
        params={"from": NOW - 600_000, "to": NOW, "step": "5m"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "Deployment"
    [app] = body["containers"]
    s = app["series"]
    assert app["times_ms"] == [NOW - 600_000]
    assert s["pods"] == [2]  # web-1 and web-2; the stray pod belongs to no workload
    assert s["mem_limit"] == [1024 * MI + 512 * MI]
    assert s["pod_mem_bytes_max"] == [150 * MI]
    assert s["cpu_m"][0] == pytest.approx(sum(100.0 + i for i in range(6)) / 6 + 50.0)


async def test_a_workload_over_raw_samples_buckets_them_by_the_minute(
    client: httpx.AsyncClient, store: Store
) -> None:
    await _seed(store)
    r = await client.get(
        "/api/v1/clusters/prod/workloads/Deployment/shop/web/metrics",
        params={"from": NOW - 600_000, "to": NOW},
    )
    body = r.json()
    assert (body["resolution"], body["step_ms"]) == ("raw", 60_000)
    s = body["containers"][0]["series"]
    assert s["pods"] == [2, 2, 2]
    assert s["pod_restarts"] == [0, 1, 2]
    assert s["mem_bytes"][0] == pytest.approx((105 + 80) * MI)


@pytest.mark.parametrize(
    ("path", "params", "status", "says"),
    [
        ("workloads/Service/shop/web", {}, 400, "not a workload kind"),
        ("pods/shop/web-1", {"step": "fast"}, 400, "not a duration"),
        ("pods/shop/web-1", {"from": "2", "to": "1"}, 400, "must be before"),
        ("pods/shop/web-1", {"from": "0", "to": str(NOW), "step": "1s"}, 400, "points requested"),
    ],
)
async def test_bad_parameters_answer_4xx_with_a_message(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int, says: str
) -> None:
    r = await client.get(f"/api/v1/clusters/prod/{path}/metrics", params=params)
    assert r.status_code == status
    assert says in r.text


async def test_an_unknown_cluster_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/clusters/nope/pods/shop/web-1/metrics")
    assert r.status_code == 404
