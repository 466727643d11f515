"""SLO counts on SQLite and MariaDB: minutes, UTC hours and local days computed from the raw
ingress samples, checked against hand-computed sums; idempotent passes, late and out-of-order
samples, replicas, latency buckets, a DST day in Berlin and half-hour days in Kolkata."""

from __future__ import annotations

from zoneinfo import ZoneInfoNotFoundError

import pytest
from sqlalchemy import select, update

from master.slo.definitions import Slo
from master.store import Store
from master.store.schema.tables import slo_counts, slo_state
from shared.domain.ingress import IngressSample
from shared.domain.journal import IngressBatch, JournalRecord
from tests.integration.store.slo_samples import (
    AVAIL,
    DAY,
    DAY1,
    DAY2,
    HOUR,
    INF,
    LATENCY,
    M1000,
    M1001,
    M1159,
    MIN,
    NEXT,
    everything,
    plain,
    put,
    sample,
    seed,
    utc,
)


async def test_minutes_hours_and_days_are_the_sums_of_their_samples(store: Store) -> None:
    await seed(store)
    done = await store.slo_counts.refresh([AVAIL], tz="UTC", now_ms=NEXT + HOUR)
    minutes = [(M1000, 149, 150), (M1001, 0, 10), (M1159, 5, 7), (NEXT, 3, 3)]
    assert done.rebuilt == {"web-avail"}
    assert plain(done.minutes["web-avail"]) == minutes
    repo = store.slo_counts
    assert plain(await repo.read("web-avail", "m", 0, 2 * NEXT)) == minutes
    hours = await repo.read("web-avail", "h", 0, 2 * NEXT)
    assert plain(hours) == [(M1000, 149, 160), (utc("2026-11-02T11:00"), 5, 7), (NEXT, 3, 3)]
    assert plain(await repo.read("web-avail", "d", 0, 2 * NEXT)) == [
        (DAY1, 154, 167),
        (DAY2, 3, 3),
    ]
    assert all(c.buckets == {} for c in hours)  # availability keeps no buckets
    # [start, end): the end is exclusive, the start inclusive.
    assert plain(await repo.read("web-avail", "m", M1001, M1159)) == [(M1001, 0, 10)]


async def test_a_second_refresh_changes_nothing(store: Store) -> None:
    await seed(store)
    await store.slo_counts.refresh([AVAIL, LATENCY], tz="UTC", now_ms=NEXT + HOUR)
    before = await everything(store)
    again = await store.slo_counts.refresh([AVAIL, LATENCY], tz="UTC", now_ms=NEXT + 2 * HOUR)
    assert again.minutes == {} and again.rebuilt == frozenset()
    assert await everything(store) == before
    assert before[0] and len(before[1]) == 2
    # As if a pass had written its counts but never advanced the watermark: the next one
    # redoes the work and counts nothing twice.
    async with store.engine.begin() as conn:
        await conn.execute(update(slo_state).values(done_until_ms=0))
    redone = await store.slo_counts.refresh([AVAIL, LATENCY], tz="UTC", now_ms=NEXT + 2 * HOUR)
    assert redone.minutes == {}
    counts, _ = await everything(store)
    assert counts == before[0]


async def test_refresh_refuses_shared_names_and_unknown_zones_before_writing(
    store: Store,
) -> None:
    await seed(store)
    twin = Slo(name="web-avail", cluster="c1", service="api", objective=0.99)
    with pytest.raises(ValueError, match="share a name"):
        await store.slo_counts.refresh([AVAIL, twin], tz="UTC", now_ms=NEXT)
    with pytest.raises(ZoneInfoNotFoundError):
        await store.slo_counts.refresh([AVAIL], tz="Mars/Olympus", now_ms=NEXT)
    assert await everything(store) == ([], [])


async def test_a_late_sample_recomputes_its_minute_hour_and_day(store: Store) -> None:
    await seed(store)
    repo = store.slo_counts
    await repo.refresh([AVAIL], tz="UTC", now_ms=NEXT + HOUR)
    # An agent's spool replayed a day later, for a minute already counted.
    await put(store, [sample(M1000 + 45_000, 40, 4)], received_ms=NEXT + DAY)
    done = await repo.refresh([AVAIL], tz="UTC", now_ms=NEXT + DAY)
    assert done.rebuilt == frozenset()
    assert plain(done.minutes["web-avail"]) == [(M1000, 185, 190)]
    assert plain(await repo.read("web-avail", "m", M1000, M1000 + MIN)) == [(M1000, 185, 190)]
    assert plain(await repo.read("web-avail", "h", M1000, M1000 + 1)) == [(M1000, 185, 200)]
    assert plain(await repo.read("web-avail", "d", DAY1, DAY2 + 1)) == [
        (DAY1, 190, 207),
        (DAY2, 3, 3),
    ]


async def test_a_commit_stamped_before_the_watermark_but_landing_after_it_is_counted(
    store: Store,
) -> None:
    """``received_ms`` is stamped when a commit is queued: a slower commit can land after a
    faster, later-stamped one that a pass has already covered."""
    await seed(store)
    repo = store.slo_counts
    await repo.refresh([AVAIL], tz="UTC", now_ms=NEXT + HOUR)
    await put(store, [sample(NEXT + 40_000, 2, 1)], received_ms=NEXT + HOUR - 20_000)
    await repo.refresh([AVAIL], tz="UTC", now_ms=NEXT + HOUR)
    assert plain(await repo.read("web-avail", "m", NEXT, NEXT + MIN)) == [(NEXT, 4, 5)]


async def test_two_replicas_samples_in_the_same_minute_add_up(store: Store) -> None:
    """Through the real journal path: two controller replicas report the same route."""
    at = utc("2026-11-02T10:00")
    replicas = tuple(
        IngressSample(
            "nginx",
            "shop",
            "web",
            "shop.example",
            "web",
            at,
            at + 15_000,
            requests=n,
            errors=e,
            latency_bounds_ms=(250.0, INF),
            latency_counts=(n, n),
            target=pod,
        )
        for pod, n, e in (("ingress/nginx-a", 60, 3), ("ingress/nginx-b", 40, 1))
    )
    await store.journal.commit("c1", [JournalRecord(1, 1, IngressBatch(replicas))], 1)
    done = await store.slo_counts.refresh([AVAIL], tz="UTC", now_ms=at + DAY)
    assert plain(done.minutes["web-avail"]) == [(at, 96, 100)]
    assert plain(await store.slo_counts.read("web-avail", "d", 0, at + DAY)) == [
        (utc("2026-11-02T00:00"), 96, 100)
    ]


async def test_a_latency_slo_counts_good_at_the_threshold_bucket_and_keeps_buckets(
    store: Store,
) -> None:
    at = M1000
    await put(
        store,
        [
            sample(at + 10_000, 10, counts=(4, 7, 9, 10)),
            sample(at + 25_000, 20, counts=(10, 15, 19, 20)),
            sample(at + MIN + 5_000, 5, counts=(1, 2, 5, 5)),
            # Buckets without the 250 ms bound: cannot be judged, left out of both sides.
            sample(at + MIN + 9_000, 8, bounds_ms=(100.0, 1000.0, INF), counts=(1, 5, 8)),
        ],
        received_ms=at + HOUR,
    )
    done = await store.slo_counts.refresh([LATENCY], tz="UTC", now_ms=at + HOUR)
    assert done.skipped == {"web-fast": 1}
    first, second = done.minutes["web-fast"]
    assert (first.good, first.total) == (22, 30)  # 7 + 15 at or under 250 ms
    assert first.buckets == {0.1: 14, 0.25: 22, 0.5: 28, INF: 30}
    assert (second.good, second.total) == (2, 5)
    [hour] = await store.slo_counts.read("web-fast", "h", at, at + HOUR)
    assert (hour.good, hour.total) == (24, 35)
    assert hour.buckets == {0.1: 15, 0.25: 24, 0.5: 33, INF: 35}
    async with store.engine.connect() as conn:
        text = (
            await conn.execute(
                select(slo_counts.c.buckets_json).where(
                    slo_counts.c.slo == "web-fast", slo_counts.c.resolution == "d"
                )
            )
        ).scalar_one()
    assert text == '{"0.1":15,"0.25":24,"0.5":33,"+Inf":35}'


async def test_a_berlin_day_across_the_spring_dst_change_has_23_hours(store: Store) -> None:
    # 2026-03-29 02:00 CET -> 03:00 CEST: that local day runs 23:00Z (28th) to 22:00Z (29th).
    samples = [
        sample(utc("2026-03-28T22:59:30"), 1),  # 23:59:30 CET on the 28th
        sample(utc("2026-03-28T23:00:30"), 2),  # 00:00:30 CET on the 29th
        sample(utc("2026-03-29T21:59:30"), 4),  # 23:59:30 CEST on the 29th
        sample(utc("2026-03-29T22:00:30"), 8),  # 00:00:30 CEST on the 30th
    ]
    await put(store, samples, received_ms=utc("2026-03-30T12:00"))
    await store.slo_counts.refresh([AVAIL], tz="Europe/Berlin", now_ms=utc("2026-03-30T12:00"))
    days = await store.slo_counts.read("web-avail", "d", 0, utc("2026-04-01T00:00"))
    assert plain(days) == [
        (utc("2026-03-27T23:00"), 1, 1),
        (utc("2026-03-28T23:00"), 6, 6),
        (utc("2026-03-29T22:00"), 8, 8),
    ]
    assert days[2].start_ms - days[1].start_ms == 23 * HOUR


async def test_a_kolkata_day_starts_at_half_past_in_utc_and_splits_an_hour(store: Store) -> None:
    # +05:30: local midnight is 18:30Z, so the UTC hour 18:00Z belongs to two local days.
    samples = [
        sample(utc("2026-11-02T18:00:30"), 1),
        sample(utc("2026-11-02T18:29:30"), 2),
        sample(utc("2026-11-02T18:30:30"), 4),
        sample(utc("2026-11-03T18:29:59"), 8),  # the last minute of the next local day
    ]
    await put(store, samples, received_ms=utc("2026-11-04T00:00"))
    repo = store.slo_counts
    await repo.refresh([AVAIL], tz="Asia/Kolkata", now_ms=utc("2026-11-04T00:00"))
    hours = await repo.read("web-avail", "h", 0, utc("2026-11-05T00:00"))
    assert plain(hours) == [(utc("2026-11-02T18:00"), 7, 7), (utc("2026-11-03T18:00"), 8, 8)]
    days = await repo.read("web-avail", "d", 0, utc("2026-11-05T00:00"))
    assert plain(days) == [(utc("2026-11-01T18:30"), 3, 3), (utc("2026-11-02T18:30"), 12, 12)]


async def test_names_differing_in_case_are_different_slos(store: Store) -> None:
    await seed(store)
    upper = Slo(name="WEB-AVAIL", cluster="c1", service="api", objective=0.99)
    await store.slo_counts.refresh([AVAIL, upper], tz="UTC", now_ms=NEXT + HOUR)
    assert plain(await store.slo_counts.read("WEB-AVAIL", "m", 0, 2 * NEXT)) == [(M1000, 0, 1000)]
    assert len(await store.slo_counts.read("web-avail", "m", 0, 2 * NEXT)) == 4


async def test_a_namespace_narrows_an_slo_to_that_namespaces_service(store: Store) -> None:
    at = M1000
    staging = [sample(at + 2_000, 5, 5, namespace="staging")]
    await put(store, [sample(at + 1_000, 10, 1), *staging], received_ms=at + HOUR)
    shop = Slo(name="shop-web", cluster="c1", service="web", namespace="shop", objective=0.99)
    anywhere = Slo(name="any-web", cluster="c1", service="web", objective=0.99)
    repo = store.slo_counts
    done = await repo.refresh([shop, anywhere], tz="UTC", now_ms=at + HOUR)
    assert plain(done.minutes["shop-web"]) == [(at, 9, 10)]
    assert plain(done.minutes["any-web"]) == [(at, 9, 15)]
    # The incremental path picks the same way.
    later = [sample(at + MIN + 1_000, 3, namespace="staging"), sample(at + 2 * MIN + 1_000, 4)]
    await put(store, later, received_ms=at + 2 * HOUR)
    again = await repo.refresh([shop, anywhere], tz="UTC", now_ms=at + 2 * HOUR)
    assert plain(again.minutes["shop-web"]) == [(at + 2 * MIN, 4, 4)]
    assert plain(again.minutes["any-web"]) == [(at + MIN, 3, 3), (at + 2 * MIN, 4, 4)]
    moved = Slo(name="shop-web", cluster="c1", service="web", namespace="staging", objective=0.99)
    assert (await repo.refresh([moved, anywhere], tz="UTC", now_ms=at + 2 * HOUR)).rebuilt == {
        "shop-web"
    }
    assert plain(await repo.read("shop-web", "m", 0, at + DAY)) == [(at, 0, 5), (at + MIN, 3, 3)]
