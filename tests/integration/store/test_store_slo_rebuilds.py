"""SLO counts on SQLite and MariaDB, their lifetime: rebuilds when a definition changes (in
bounded chunks, over sparse samples), the late limit, forget, retention per resolution, and
migration 7 on a database that already holds samples."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, inspect, select

from master.slo.definitions import Slo
from master.store import Store, StoreSettings, maintain_once
from master.store.engine.opening import open_engine
from master.store.repositories.conversions import ingress_row
from master.store.repositories.slo_counts import REBUILD_SPAN_MS
from master.store.schema.migrating import migrate
from master.store.schema.migrations import LATEST_VERSION, MIGRATIONS, m0007_slo_counts
from master.store.schema.tables import ingress_samples, slo_counts
from master.store.upkeep.retention import PURGES, cutoff_ms
from tests.integration.store.slo_samples import (
    AVAIL,
    DAY,
    DAY1,
    HOUR,
    LATENCY,
    M1000,
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
    assert LATEST_VERSION >= 7  # later steps do not change what this one is proven on
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
