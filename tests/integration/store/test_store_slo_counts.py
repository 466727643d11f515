"""SLO counts on SQLite and MariaDB: minutes, UTC hours and local days computed from the raw
ingress samples by hand-checked sums; idempotent passes, late samples, replicas, rebuilds,
latency buckets, DST and half-hour zones, retention per resolution, and migration 7."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import pytest
from sqlalchemy import insert, inspect, select, update

from master.slo.counts import Count
from master.slo.definitions import SliType, Slo
from master.store import Store, StoreSettings, maintain_once
from master.store.engine.opening import open_engine
from master.store.repositories.conversions import ingress_row
from master.store.repositories.slo_counts import REBUILD_SPAN_MS
from master.store.schema.migrating import migrate
from master.store.schema.migrations import LATEST_VERSION, MIGRATIONS, m0007_slo_counts
from master.store.schema.tables import ingress_samples, slo_counts, slo_state
from master.store.upkeep.retention import PURGES, cutoff_ms
from shared.domain.ingress import IngressSample
from shared.domain.journal import IngressBatch, JournalRecord

INF = float("inf")
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
AVAIL = Slo(name="web-avail", cluster="c1", service="web", objective=0.99)
LATENCY = Slo(
    name="web-fast",
    cluster="c1",
    service="web",
    objective=0.95,
    sli=SliType.LATENCY,
    threshold_s=0.25,
)


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def sample(
    end_ms: int,
    requests: int,
    errors: int = 0,
    *,
    service: str = "web",
    route: str = "web",
    bounds_ms: tuple[float, ...] = (100.0, 250.0, 500.0, INF),
    counts: tuple[int, ...] | None = None,
) -> IngressSample:
    return IngressSample(
        controller="nginx",
        namespace="shop",
        ingress=route,
        host="shop.example",
        service=service,
        window_start_ms=end_ms - 15_000,
        window_end_ms=end_ms,
        requests=requests,
        errors=errors,
        latency_bounds_ms=bounds_ms,
        latency_counts=counts if counts is not None else (requests,) * len(bounds_ms),
    )


async def put(
    store: Store, samples: Sequence[IngressSample], *, received_ms: int, cluster: str = "c1"
) -> None:
    """Rows as the journal writes them, with a chosen master clock."""
    rows = [ingress_row(cluster, s, received_ms=received_ms) for s in samples]
    async with store.engine.begin() as conn:
        await conn.execute(insert(ingress_samples), rows)


def plain(counts: Sequence[Count]) -> list[tuple[int, int, int]]:
    return [(c.start_ms, c.good, c.total) for c in counts]


async def everything(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    t, st = slo_counts, slo_state
    async with store.engine.connect() as conn:
        counts = (
            await conn.execute(select(t).order_by(t.c.slo, t.c.resolution, t.c.start_ms))
        ).all()
        states = (await conn.execute(select(st).order_by(st.c.slo))).all()
    return [tuple(r) for r in counts], [tuple(r) for r in states]


# 2026-11-02 (a Monday, no DST nearby): two hours and the next day.
M1000, M1001, M1159 = utc("2026-11-02T10:00"), utc("2026-11-02T10:01"), utc("2026-11-02T11:59")
NEXT = utc("2026-11-03T00:00")
DAY1, DAY2 = utc("2026-11-02T00:00"), utc("2026-11-03T00:00")
TRAFFIC = [
    sample(M1000 + 5_000, 100, 1),
    sample(M1000 + 20_000, 50, 0),
    sample(M1001, 10, 10),  # ends exactly on the minute: booked to 10:01
    sample(M1159 + 59_999, 7, 2),
    sample(NEXT + 30_000, 3, 0),
]
NOISE = [
    sample(M1000 + 5_000, 1_000, 1_000, service="api"),  # another service
]


async def seed(store: Store) -> None:
    await put(store, TRAFFIC + NOISE, received_ms=NEXT + HOUR)
    await put(store, [sample(M1000 + 5_000, 500, 500)], received_ms=NEXT + HOUR, cluster="c2")


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


async def test_a_changed_definition_rebuilds_from_the_retained_samples(store: Store) -> None:
    await seed(store)
    await put(store, [sample(M1159 + 1_000, 20, 5, route="checkout")], received_ms=NEXT + HOUR)
    repo = store.slo_counts
    await repo.refresh([AVAIL], tz="UTC", now_ms=NEXT + HOUR)
    assert plain(await repo.read("web-avail", "h", M1159 - HOUR, M1159 + 1)) == [
        (utc("2026-11-02T11:00"), 20, 27)
    ]
    # Narrowed to one route: what the other routes counted must go, not linger.
    narrowed = Slo(name="web-avail", cluster="c1", service="web", objective=0.99, route="checkout")
    done = await repo.refresh([narrowed], tz="UTC", now_ms=NEXT + HOUR)
    assert done.rebuilt == {"web-avail"}
    assert plain(await repo.read("web-avail", "m", 0, 2 * NEXT)) == [(M1159, 15, 20)]
    assert plain(await repo.read("web-avail", "d", 0, 2 * NEXT)) == [(DAY1, 15, 20)]
    # The objective is not part of the counts: changing it rebuilds nothing.
    relaxed = Slo(name="web-avail", cluster="c1", service="web", objective=0.9, route="checkout")
    assert (await repo.refresh([relaxed], tz="UTC", now_ms=NEXT + HOUR)).rebuilt == frozenset()
    # Another time zone moves the days: rebuilt.
    assert (await repo.refresh([relaxed], tz="Asia/Tokyo", now_ms=NEXT)).rebuilt == {"web-avail"}


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


async def test_a_rebuild_over_days_of_samples_commits_in_bounded_chunks(store: Store) -> None:
    start = utc("2026-11-01T00:00")
    samples = [sample(start + i * 10 * MIN + 1_000, 1 + i % 3) for i in range(2 * 24 * 6)]
    await put(store, samples, received_ms=start + 2 * DAY)
    groups = store.writer.groups_committed
    done = await store.slo_counts.refresh([AVAIL], tz="UTC", now_ms=start + 2 * DAY)
    assert store.writer.groups_committed - groups >= (2 * DAY) // REBUILD_SPAN_MS
    total = sum(s.requests for s in samples)
    assert sum(c.total for c in done.minutes["web-avail"]) == total
    days = await store.slo_counts.read("web-avail", "d", 0, start + 3 * DAY)
    assert [c.total for c in days] == [total // 2, total // 2]
    hours = await store.slo_counts.read("web-avail", "h", 0, start + 3 * DAY)
    assert len(hours) == 48 and sum(c.total for c in hours) == total


async def test_a_rebuild_jumps_over_months_without_samples(store: Store) -> None:
    """An agent whose clock was once weeks off left one sample far away from the rest."""
    now = utc("2026-11-10T00:00")
    await put(store, [sample(now - 20 * DAY, 1), sample(now - HOUR, 2)], received_ms=now)
    groups = store.writer.groups_committed
    await store.slo_counts.refresh([AVAIL], tz="UTC", now_ms=now)
    assert store.writer.groups_committed - groups <= 3  # forget, one chunk per sample
    days = await store.slo_counts.read("web-avail", "d", 0, now)
    assert plain(days) == [(now - 20 * DAY, 1, 1), (now - DAY, 2, 2)]


async def test_minutes_past_the_late_limit_are_left_alone(store: Store) -> None:
    """Re-summing an hour whose minutes retention already dropped would shrink it to the
    late minute: such minutes are refused and counted instead."""
    now = utc("2026-11-10T00:00")
    old = now - 40 * DAY
    await put(store, [sample(old + 1_000, 10), sample(old + MIN + 1_000, 5)], received_ms=now)
    repo = store.slo_counts
    await repo.refresh([AVAIL], tz="UTC", now_ms=now, late_limit_ms=60 * DAY)
    # Current traffic moves the watermark on, past the rescan of the first batch.
    await put(store, [sample(now - 2 * MIN, 1)], received_ms=now + HOUR)
    await repo.refresh([AVAIL], tz="UTC", now_ms=now + HOUR, late_limit_ms=60 * DAY)
    await put(store, [sample(old + 2_000, 7, 7), sample(now - MIN, 1)], received_ms=now + DAY)
    done = await repo.refresh([AVAIL], tz="UTC", now_ms=now + DAY)
    assert done.too_late == {"web-avail": 1}
    assert plain(done.minutes["web-avail"]) == [(now - MIN, 1, 1)]
    assert plain(await repo.read("web-avail", "h", old, old + HOUR)) == [(old, 15, 15)]
    # A rebuild counts only what lies inside the limit.
    assert (await repo.refresh([AVAIL], tz="Asia/Tokyo", now_ms=now + DAY)).rebuilt
    recent = await repo.read("web-avail", "m", 0, now + HOUR)
    assert plain(recent) == [(now - 2 * MIN, 1, 1), (now - MIN, 1, 1)]


async def test_a_rebuilt_slo_hands_back_only_the_minutes_the_service_keeps(store: Store) -> None:
    now = utc("2026-11-10T00:00")
    await put(store, [sample(now - 5 * DAY, 1), sample(now - DAY, 2)], received_ms=now)
    done = await store.slo_counts.refresh([AVAIL], tz="UTC", now_ms=now)
    assert plain(done.minutes["web-avail"]) == [(now - DAY, 2, 2)]
    assert len(await store.slo_counts.read("web-avail", "m", 0, now)) == 2


async def test_forget_deletes_the_counts_and_state_and_the_next_refresh_rebuilds(
    store: Store,
) -> None:
    await seed(store)
    repo = store.slo_counts
    await repo.refresh([AVAIL, LATENCY], tz="UTC", now_ms=NEXT + HOUR)
    await repo.forget("web-avail")
    for resolution in ("m", "h", "d"):
        assert await repo.read("web-avail", resolution, 0, 2 * NEXT) == []
    counts, states = await everything(store)
    assert {r[0] for r in counts} == {"web-fast"} and [s[0] for s in states] == ["web-fast"]
    done = await repo.refresh([AVAIL, LATENCY], tz="UTC", now_ms=NEXT + HOUR)
    assert done.rebuilt == {"web-avail"}
    assert len(await repo.read("web-avail", "m", 0, 2 * NEXT)) == 4


async def test_names_differing_in_case_are_different_slos(store: Store) -> None:
    await seed(store)
    upper = Slo(name="WEB-AVAIL", cluster="c1", service="api", objective=0.99)
    await store.slo_counts.refresh([AVAIL, upper], tz="UTC", now_ms=NEXT + HOUR)
    assert plain(await store.slo_counts.read("WEB-AVAIL", "m", 0, 2 * NEXT)) == [(M1000, 0, 1000)]
    assert len(await store.slo_counts.read("web-avail", "m", 0, 2 * NEXT)) == 4


# -- retention ----------------------------------------------------------------------------

NOW = 3_000 * DAY  # every window's cutoff is positive
SETTINGS = StoreSettings(purge_chunk_rows=2, purge_pause_s=0, rollup_delay_s=0)


async def test_slo_counts_are_purged_per_resolution_after_their_own_windows(store: Store) -> None:
    assert (SETTINGS.slo_minute_days, SETTINGS.slo_hour_days, SETTINGS.slo_day_days) == (
        35,
        400,
        1825,
    )
    rows = []
    cutoffs = {}
    for resolution in ("m", "h", "d"):
        cutoffs[resolution] = cutoff = cutoff_ms(
            PURGES[f"slo_counts_{dict(m='minute', h='hour', d='day')[resolution]}"], SETTINGS, NOW
        )
        for start in (cutoff - 2 * DAY, cutoff - 1, cutoff, cutoff + 1):
            rows.append(
                {
                    "slo": "s",
                    "resolution": resolution,
                    "start_ms": start,
                    "good": 1,
                    "total": 1,
                    "buckets_json": "{}",
                }
            )
    assert NOW - cutoffs["m"] == 35 * DAY and NOW - cutoffs["d"] == 1825 * DAY
    async with store.engine.begin() as conn:
        await conn.execute(insert(slo_counts), rows)
    report = await maintain_once(store, SETTINGS, now_ms=NOW)
    assert (report.purged["slo_counts_minute"], report.purged["slo_counts_hour"]) == (2, 2)
    assert report.purged["slo_counts_day"] == 2
    async with store.engine.connect() as conn:
        left = (
            await conn.execute(
                select(slo_counts.c.resolution, slo_counts.c.start_ms).order_by(
                    slo_counts.c.resolution, slo_counts.c.start_ms
                )
            )
        ).all()
    assert [tuple(r) for r in left] == sorted(
        (r, c + d) for r, c in cutoffs.items() for d in (0, 1)
    )


# -- migration 7 --------------------------------------------------------------------------


async def test_migration_7_adds_the_slo_tables_and_the_service_index_and_reruns_cleanly(
    dsn: str,
) -> None:
    assert LATEST_VERSION == 7
    opened = await open_engine(dsn)
    try:
        steps = {n: m for n, m in MIGRATIONS.items() if n < 7}
        assert await migrate(opened.engine, now_ms=1, steps=steps) == 6
        async with opened.engine.begin() as conn:
            row = ingress_row("c1", sample(M1000, 5, 1), received_ms=M1000)
            await conn.execute(insert(ingress_samples), [row])
    finally:
        await opened.engine.dispose()
    store = await Store.open(dsn)
    try:
        async with store.engine.begin() as conn:
            await m0007_slo_counts.upgrade(conn)  # a half-applied step runs again: no error

            def indexes(sync_conn: Any) -> dict[str, list[str | None]]:
                insp = inspect(sync_conn)
                found = insp.get_indexes("ingress_samples") + insp.get_indexes("slo_counts")
                return {i["name"] or "": list(i["column_names"]) for i in found}

            found = await conn.run_sync(indexes)
        assert found["ix_ingress_samples_service"] == ["cluster", "service", "window_end_ms"]
        assert found["ix_slo_counts_resolution"] == ["resolution", "start_ms"]
        done = await store.slo_counts.refresh([AVAIL], tz="UTC", now_ms=M1000)
        assert plain(done.minutes["web-avail"]) == [(M1000, 4, 5)]  # the pre-7 sample counts
    finally:
        await store.close()
