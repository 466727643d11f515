"""An agent whose clock is days off: its rows carry the master's receive time (``received_ms``),
retention goes by the master's clock, and a database from before the column is upgraded."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, insert, select

from master.store import Store, StoreSettings, maintain_once
from master.store.engine.opening import open_engine
from master.store.repositories import journal as journal_module
from master.store.schema.migrating import migrate
from master.store.schema.migrations import LATEST_VERSION, MIGRATIONS
from master.store.schema.migrations import m0001_initial as v1
from master.store.schema.tables import findings_history, ingress_samples, node_metrics_raw
from shared.domain.ingress import IngressSample
from shared.domain.journal import IngressBatch, JournalRecord
from tests.integration.store.store_records import finding, findings_record, metrics_record

DAY_MS = 86_400_000
T0 = 500 * DAY_MS  # the master's clock at commit
SKEWS = {"ahead": 2 * DAY_MS, "behind": -2 * DAY_MS}
WINDOW_DAYS = 7.0
SETTINGS = StoreSettings(
    findings_days=WINDOW_DAYS,
    node_metrics_raw_days=WINDOW_DAYS,
    ingress_days=WINDOW_DAYS,
    purge_pause_s=0,
    rollup_delay_s=0,
)
TABLES: tuple[Table, ...] = (findings_history, node_metrics_raw, ingress_samples)


def _ingress(seq: int, end_ms: int) -> JournalRecord:
    sample = IngressSample(
        "nginx",
        "shop",
        "web",
        "shop.example",
        "web",
        end_ms - 10_000,
        end_ms,
        requests=5,
        errors=0,
        latency_bounds_ms=(10.0,),
        latency_counts=(5,),
    )
    return JournalRecord(seq, seq, IngressBatch((sample,)))


async def _commit_skewed(
    store: Store, monkeypatch: pytest.MonkeyPatch, *, master_ms: int, skew_ms: int
) -> None:
    """One finding, one node sample and one ingress sample stamped by an agent whose clock
    reads ``master_ms + skew_ms`` while the master's reads ``master_ms``."""
    monkeypatch.setattr(journal_module, "wall_ms", lambda: master_ms)
    agent_ms = master_ms + skew_ms
    records = [
        findings_record(1, finding("fp", first=agent_ms, last=agent_ms)),
        metrics_record(2, at_ms=agent_ms),
        _ingress(3, agent_ms),
    ]
    await store.journal.commit("c1", records, 3)


async def _received(store: Store) -> dict[str, list[int]]:
    async with store.engine.connect() as conn:
        return {
            t.name: sorted((await conn.execute(select(t.c.received_ms))).scalars()) for t in TABLES
        }


@pytest.mark.parametrize("skew", list(SKEWS))
async def test_rows_carry_the_masters_receive_time_whatever_the_agents_clock(
    store: Store, monkeypatch: pytest.MonkeyPatch, skew: str
) -> None:
    await _commit_skewed(store, monkeypatch, master_ms=T0, skew_ms=SKEWS[skew])
    assert await _received(store) == {t.name: [T0] for t in TABLES}
    async with store.engine.connect() as conn:
        at = (await conn.execute(select(node_metrics_raw.c.at_ms))).scalar_one()
    assert at == T0 + SKEWS[skew]  # the agent's own time is kept beside it, unchanged


async def test_an_update_of_an_open_occurrence_moves_its_receive_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = T0 + 3 * DAY_MS
    skew = SKEWS["behind"]
    monkeypatch.setattr(journal_module, "wall_ms", lambda: T0)
    await store.journal.commit("c1", [findings_record(1, finding("fp", first=T0, last=T0))], 1)
    monkeypatch.setattr(journal_module, "wall_ms", lambda: later)
    seen = later + skew
    await store.journal.commit("c1", [findings_record(2, finding("fp", first=T0, last=seen))], 2)
    async with store.engine.connect() as conn:
        row = (await conn.execute(select(findings_history))).one()._mapping
    assert (row["received_ms"], row["last_seen_ms"]) == (later, seen)


@pytest.mark.parametrize("skew", list(SKEWS))
async def test_retention_keeps_rows_the_master_received_within_the_window(
    store: Store, monkeypatch: pytest.MonkeyPatch, skew: str
) -> None:
    """An agent 2 days behind: by its own times its rows would go 2 days early."""
    await _commit_skewed(store, monkeypatch, master_ms=T0, skew_ms=SKEWS[skew])
    report = await maintain_once(store, SETTINGS, now_ms=T0 + int((WINDOW_DAYS - 1) * DAY_MS))
    assert {t.name: report.purged[t.name] for t in TABLES} == {t.name: 0 for t in TABLES}
    assert await _received(store) == {t.name: [T0] for t in TABLES}


@pytest.mark.parametrize("skew", list(SKEWS))
async def test_retention_purges_rows_the_master_received_before_the_window(
    store: Store, monkeypatch: pytest.MonkeyPatch, skew: str
) -> None:
    """An agent 2 days ahead: by its own times its rows would stay 2 days too long."""
    await _commit_skewed(store, monkeypatch, master_ms=T0, skew_ms=SKEWS[skew])
    report = await maintain_once(store, SETTINGS, now_ms=T0 + int((WINDOW_DAYS + 1) * DAY_MS))
    assert {t.name: report.purged[t.name] for t in TABLES} == {t.name: 1 for t in TABLES}
    assert await _received(store) == {t.name: [] for t in TABLES}


def _v1_row(table: Table, when: int) -> dict[str, Any]:
    """A minimal valid row of a version-1 table, every time column at ``when``."""
    row: dict[str, Any] = {}
    for col in table.columns:
        py = col.type.python_type
        if col.name == "id" and py is int:
            continue
        if col.name.endswith("_ms"):
            row[col.name] = when
        else:
            row[col.name] = {bool: False, str: "v"}.get(py, py(1))
    return row


async def test_a_version_1_database_with_rows_gets_received_ms_from_the_agent_times(
    dsn: str,
) -> None:
    assert LATEST_VERSION >= 2
    opened = await open_engine(dsn)
    try:
        assert await migrate(opened.engine, now_ms=1, steps={1: MIGRATIONS[1]}) == 1
        async with opened.engine.begin() as conn:
            for i, name in enumerate(("findings_history", "node_metrics_raw", "ingress_samples")):
                await conn.execute(
                    insert(v1.metadata.tables[name]), [_v1_row(v1.metadata.tables[name], 1_000 + i)]
                )
    finally:
        await opened.engine.dispose()
    store = await Store.open(dsn)
    try:
        assert await _received(store) == {
            "findings_history": [1_000],
            "node_metrics_raw": [1_001],
            "ingress_samples": [1_002],
        }
        # New rows after the upgrade get the master's clock as usual.
        await store.journal.commit("c9", [metrics_record(1, at_ms=5)], 1)
        async with store.engine.connect() as conn:
            fresh = (
                await conn.execute(
                    select(node_metrics_raw.c.received_ms).where(node_metrics_raw.c.cluster == "c9")
                )
            ).scalar_one()
        assert fresh > 1_000_000
    finally:
        await store.close()


async def test_history_lists_occurrences_in_the_order_the_master_recorded_them(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster whose clock runs 2 days ahead opened ``skewed`` first; ``fresh`` opened an hour
    later by the master's clock. By agent times ``skewed`` would stay on top for two days."""
    ahead = T0 + SKEWS["ahead"]
    monkeypatch.setattr(journal_module, "wall_ms", lambda: T0)
    await store.journal.commit(
        "c1", [findings_record(1, finding("skewed", first=ahead, last=ahead))], 1
    )
    monkeypatch.setattr(journal_module, "wall_ms", lambda: T0 + 3_600_000)
    honest = T0 + 3_600_000
    await store.journal.commit(
        "c1", [findings_record(2, finding("fresh", first=honest, last=honest))], 2
    )
    page = await store.history.findings("c1", from_ms=0, to_ms=ahead + 1)
    assert [o.fingerprint for o in page.items] == ["fresh", "skewed"]
    first = await store.history.findings("c1", from_ms=0, to_ms=ahead + 1, limit=1)
    assert [o.fingerprint for o in first.items] == ["fresh"] and first.next_cursor is not None
    rest = await store.history.findings(
        "c1", from_ms=0, to_ms=ahead + 1, limit=1, cursor=first.next_cursor
    )
    assert [o.fingerprint for o in rest.items] == ["skewed"] and rest.next_cursor is None
