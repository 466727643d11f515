"""Retention purges exactly what is older than each window, read-command results are blanked
sooner (rows stay); roll-ups average and peak raw rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, func, insert, select

from master.store import Store, StoreSettings, maintain_once
from master.store.repositories import journal as journal_module
from master.store.schema.tables import (
    audit_log,
    commands,
    node_metrics_1h,
    node_metrics_5m,
    node_metrics_raw,
    notification_outbox,
)
from master.store.upkeep.retention import PURGES, READ_COMMANDS, cutoff_ms
from shared.domain.journal import JournalRecord, NodeMetricsBatch
from tests.integration.store.store_records import metrics_record, sample

NOW = 500 * 86_400_000  # day 500: every window's cutoff is positive
SETTINGS = StoreSettings(purge_chunk_rows=3, purge_pause_s=0, rollup_delay_s=0)


def _row(table: Table, i: int, when_col: str, when: int) -> dict[str, Any]:
    """A minimal valid row with unique keys, ``when_col`` set to ``when``."""
    row: dict[str, Any] = {}
    for col in table.columns:
        py = col.type.python_type
        if col.name == "id" and py is int:
            continue  # auto-increment
        row[col.name] = when if col.name == when_col else {bool: False, str: f"v{i}"}.get(py, py(i))
    return row


@pytest.mark.parametrize("name", [n for n, p in PURGES.items() if p.where is None])
async def test_retention_removes_exactly_the_rows_older_than_the_window(
    store: Store, name: str
) -> None:
    purge = PURGES[name]
    cutoff = cutoff_ms(purge, SETTINGS, NOW)
    col = purge.column.name
    old = [_row(purge.table, i, col, cutoff - 1 - i) for i in range(8)]  # 3 chunks of 3
    kept = [_row(purge.table, 100 + i, col, cutoff + i) for i in range(4)]  # incl. cutoff itself
    async with store.engine.begin() as conn:
        await conn.execute(insert(purge.table), old + kept)
    report = await maintain_once(store, SETTINGS, now_ms=NOW)
    assert report.purged[name] == 8
    async with store.engine.connect() as conn:
        left = sorted((await conn.execute(select(purge.column))).scalars())
    assert left == [cutoff + i for i in range(4)]


async def test_retention_windows_follow_the_settings() -> None:
    days = {name: cutoff_ms(p, StoreSettings(), NOW) for name, p in PURGES.items()}
    day = 86_400_000
    assert NOW - days["findings_history"] == 30 * day
    assert NOW - days["node_metrics_raw"] == 7 * day
    assert NOW - days["node_metrics_5m"] == 90 * day
    assert NOW - days["node_metrics_1h"] == 400 * day
    assert NOW - days["pod_metrics_raw"] == 7 * day
    assert NOW - days["pod_metrics_5m"] == 90 * day
    assert NOW - days["audit_log"] == NOW - days["commands"] == 400 * day
    assert NOW - days["notification_outbox"] == NOW - days["notification_log"] == 30 * day
    assert NOW - days["alert_history"] == 400 * day
    assert NOW - days["slo_counts_minute"] == 35 * day
    assert NOW - days["slo_counts_hour"] == 400 * day
    assert NOW - days["slo_counts_day"] == 1825 * day


async def test_finished_notifications_go_after_their_window_and_pending_ones_never(
    store: Store,
) -> None:
    settings = StoreSettings(
        purge_chunk_rows=2, purge_pause_s=0, rollup_delay_s=0, notifications_days=10
    )
    cutoff = NOW - settings.retention_ms(10)
    rows, expected = [], set()
    for i, (state, updated) in enumerate(
        [
            ("sent", cutoff - 1),
            ("dead", cutoff - 86_400_000),
            ("sent", cutoff - 5),
            ("sent", cutoff),  # exactly at the window: stays
            ("dead", cutoff + 1),
            ("pending", cutoff - 100 * 86_400_000),  # a receiver down for months: still owed
            ("leased", cutoff - 1),
        ]
    ):
        row = _row(notification_outbox, i, "updated_ms", updated) | {"state": state}
        rows.append(row)
        if not (state in ("sent", "dead") and updated < cutoff):
            expected.add(row["idempotency_key"])
    async with store.engine.begin() as conn:
        await conn.execute(insert(notification_outbox), rows)
    report = await maintain_once(store, settings, now_ms=NOW)
    assert report.purged["notification_outbox"] == 3
    async with store.engine.connect() as conn:
        query = select(notification_outbox.c.idempotency_key)
        left = set((await conn.execute(query)).scalars())
    assert left == expected


async def test_read_command_results_are_blanked_after_a_short_window_rows_and_audit_stay(
    store: Store,
) -> None:
    assert READ_COMMANDS == ("describe", "pod_logs")
    assert StoreSettings().read_results_days == 7
    cutoff = NOW - SETTINGS.retention_ms(SETTINGS.read_results_days)

    def command(i: int, type_: str, created: int) -> dict[str, Any]:
        return _row(commands, i, "created_ms", created) | {
            "type": type_,
            "result_json": f'{{"text": "log line {i}"}}',
        }

    old_reads = [command(i, ("pod_logs", "describe")[i % 2], cutoff - 1 - i) for i in range(5)]
    kept = [
        command(10, "pod_logs", cutoff),  # inside the window
        command(11, "scale", cutoff - 1),  # a change: its result says what was done
        command(12, "describe", cutoff - 2) | {"result_json": ""},  # no result to blank
    ]
    async with store.engine.begin() as conn:
        await conn.execute(insert(commands), old_reads + kept)
        await conn.execute(insert(audit_log), [_row(audit_log, 1, "at_ms", cutoff - 1)])
    report = await maintain_once(store, SETTINGS, now_ms=NOW)  # 5 rows in chunks of 3
    assert report.blanked == {"read_results": 5}
    async with store.engine.connect() as conn:
        rows = dict((await conn.execute(select(commands.c.id, commands.c.result_json))).all())
        audits = (await conn.execute(select(func.count()).select_from(audit_log))).scalar()
    assert rows == {c["id"]: "" for c in old_reads} | {
        "v10": '{"text": "log line 10"}',
        "v11": '{"text": "log line 11"}',
        "v12": "",
    }
    assert audits == 1
    again = await maintain_once(store, SETTINGS, now_ms=NOW)
    assert again.blanked == {"read_results": 0}


async def _raw(
    store: Store,
    node: str,
    points: list[tuple[int, float]],
    seq0: int,
    *,
    received_ms: int | None = None,
) -> None:
    """Commit one sample per point; the master receives them all at ``received_ms`` (default:
    when the last was taken -- an agent with a true clock on a live link)."""
    received = max(at for at, _ in points) if received_ms is None else received_ms
    records = [
        JournalRecord(
            seq0 + i, 0, NodeMetricsBatch((sample(node, at, cpu=cpu, mem_used=int(cpu)),))
        )
        for i, (at, cpu) in enumerate(points)
    ]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(journal_module, "wall_ms", lambda: received)
        await store.journal.commit("c1", records, seq0 + len(points) - 1)


async def test_rollups_average_and_peak_each_bucket_per_node(store: Store) -> None:
    base = NOW - 2 * 3_600_000  # an hour-aligned start two hours ago
    base -= base % 3_600_000
    # node a: 5-minute bucket 0 gets cpu 10, 20, 30; bucket 1 gets 40.
    await _raw(
        store, "a", [(base, 10), (base + 60_000, 20), (base + 120_000, 30), (base + 300_000, 40)], 1
    )
    await _raw(store, "b", [(base + 1_000, 50)], 10)
    report = await maintain_once(store, SETTINGS, now_ms=NOW)
    assert report.rolled_up["5m"] == 3
    t = node_metrics_5m
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    t.c.node,
                    t.c.bucket_ms,
                    t.c.samples,
                    t.c.cpu_pct_avg,
                    t.c.cpu_pct_max,
                    t.c.fs_used_max,
                ).order_by(t.c.node, t.c.bucket_ms)
            )
        ).all()
        hourly = (
            await conn.execute(
                select(
                    node_metrics_1h.c.node, node_metrics_1h.c.samples, node_metrics_1h.c.cpu_pct_avg
                ).order_by(node_metrics_1h.c.node)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("a", base, 3, 20.0, 30.0, 90.0),
        ("a", base + 300_000, 1, 40.0, 40.0, 90.0),
        ("b", base, 1, 50.0, 50.0, 90.0),
    ]
    assert [tuple(r) for r in hourly] == [("a", 4, 25.0), ("b", 1, 50.0)]


async def test_rollups_are_idempotent_and_fold_in_late_samples(store: Store) -> None:
    base = NOW - 3_600_000
    base -= base % 300_000
    await _raw(store, "a", [(base, 10)], 1)
    await maintain_once(store, SETTINGS, now_ms=NOW)
    await maintain_once(store, SETTINGS, now_ms=NOW)
    # Taken in the same bucket, replayed after a short outage, long after the bucket ended.
    await _raw(store, "a", [(base + 10_000, 30)], 2, received_ms=NOW + 30_000)
    await maintain_once(store, SETTINGS, now_ms=NOW + 60_000)
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(select(node_metrics_5m.c.samples, node_metrics_5m.c.cpu_pct_avg))
        ).all()
    assert [tuple(r) for r in rows] == [(2, 20.0)]


async def test_rollups_fold_in_samples_replayed_days_late_and_from_a_skewed_clock(
    store: Store,
) -> None:
    """A bucket two days old by the sample's time, received now: a window on agent time would
    never revisit it; and an agent 3 h behind is rolled up like any other."""
    old = NOW - 2 * 86_400_000
    old -= old % 300_000
    await _raw(store, "a", [(old, 10)], 1)
    await maintain_once(store, SETTINGS, now_ms=old + 600_000)
    await _raw(store, "a", [(old + 20_000, 30)], 2, received_ms=NOW - 60_000)  # spooled 2 days
    await _raw(store, "b", [(NOW - 3 * 3_600_000, 50)], 3, received_ms=NOW - 60_000)
    await maintain_once(store, SETTINGS, now_ms=NOW)
    async with store.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    node_metrics_5m.c.node, node_metrics_5m.c.samples, node_metrics_5m.c.cpu_pct_avg
                ).order_by(node_metrics_5m.c.node)
            )
        ).all()
    assert [tuple(r) for r in rows] == [("a", 2, 20.0), ("b", 1, 50.0)]


async def test_rollups_skip_buckets_not_yet_past_the_delay(store: Store) -> None:
    await _raw(store, "a", [(NOW - 30_000, 10)], 1)
    settings = StoreSettings(purge_pause_s=0, rollup_delay_s=120)
    report = await maintain_once(store, settings, now_ms=NOW)
    assert report.rolled_up == {"5m": 0, "1h": 0, "pod_5m": 0}
    async with store.engine.connect() as conn:
        assert (
            await conn.execute(select(func.count()).select_from(node_metrics_raw))
        ).scalar() == 1


async def test_series_picks_raw_for_hours_and_rollups_for_days(store: Store) -> None:
    base = NOW - 3 * 3_600_000
    base -= base % 3_600_000
    await _raw(store, "a", [(base + i * 15_000, float(i % 10)) for i in range(480)], 1)
    await maintain_once(store, SETTINGS, now_ms=NOW)
    raw = await store.history.node_series("c1", "a", from_ms=base, to_ms=base + 3_600_000)
    assert (raw.resolution, len(raw.times_ms)) == ("raw", 240)
    day = await store.history.node_series("c1", "a", from_ms=NOW - 86_400_000, to_ms=NOW)
    assert (day.resolution, len(day.times_ms)) == ("5m", 24)
    assert day.values["cpu_pct_max"][0] == 9.0
    stepped = await store.history.node_series(
        "c1", "a", from_ms=base, to_ms=base + 3_600_000, step_ms=60_000
    )
    assert (stepped.resolution, stepped.step_ms, len(stepped.times_ms)) == ("raw", 60_000, 60)
    assert stepped.values["cpu_pct_avg"][0] == 1.5
    hourly = await store.history.node_series("c1", "a", from_ms=base, to_ms=NOW, step_ms=3_600_000)
    assert hourly.resolution == "1h"
    assert hourly.times_ms == (base, base + 3_600_000)


async def test_node_summaries_cover_every_node(store: Store) -> None:
    await store.journal.commit(
        "c1", [metrics_record(i, node=f"n{i % 3}", at_ms=NOW - i * 1000) for i in range(1, 31)], 30
    )
    summaries = await store.history.node_summaries("c1", from_ms=NOW - 3_600_000, to_ms=NOW)
    assert [(s.node, s.samples, s.cpu_pct_max) for s in summaries] == [
        ("n0", 10, 10.0),
        ("n1", 10, 10.0),
        ("n2", 10, 10.0),
    ]
