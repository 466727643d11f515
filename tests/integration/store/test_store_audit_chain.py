"""The audit log as stored, on SQLite and MariaDB: every write chains to the one before (also
from two stores on one database at once), migration 4 chains the rows already there, retention
keeps the chain verifiable, and edits made straight in the database are named."""

from __future__ import annotations

import asyncio
import itertools

from sqlalchemy import Executable, delete, insert, select, update

from master.audit.chain import GENESIS
from master.store import AuditRow, Store, StoreSettings, maintain_once
from master.store.engine.opening import open_engine
from master.store.schema.migrating import migrate
from master.store.schema.migrations import MIGRATIONS
from master.store.schema.tables import audit_head, audit_log

NOW = 500 * 86_400_000


async def _fill(store: Store, n: int, *, actor: str = "admin", at_ms: int = 1_000) -> None:
    for i in range(n):
        await store.audit.append(
            at_ms=at_ms + i,
            actor=actor,
            action="user.create",
            cluster="edge",
            target=f"u{i}",
            detail={"role": "viewer", "i": i, "text": "naïve ✓"},
        )


async def _sql(store: Store, *statements: Executable) -> None:
    async with store.engine.begin() as conn:
        for stmt in statements:
            await conn.execute(stmt)


async def test_written_entries_chain_from_the_genesis_without_gaps(store: Store) -> None:
    await _fill(store, 12)
    count, finding = await store.audit.verify(page=5)
    assert (count, finding) == (12, None)
    rows = list(reversed(await store.audit.list(limit=100)))
    assert [r.id for r in rows] == list(range(rows[0].id, rows[0].id + 12))
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(rows))


async def test_an_edit_in_the_database_is_named(store: Store) -> None:
    await _fill(store, 6)
    victim = sorted(r.id for r in await store.audit.list())[3]
    await _sql(store, update(audit_log).where(audit_log.c.id == victim).values(actor="mallory"))
    count, finding = await store.audit.verify()
    assert finding is not None
    assert (finding.id, finding.problem) == (victim, "altered")
    assert count == 4


async def test_a_deleted_entry_and_a_cut_off_end_are_named_missing(store: Store) -> None:
    await _fill(store, 6)
    ids = sorted(r.id for r in await store.audit.list())
    await _sql(store, delete(audit_log).where(audit_log.c.id == ids[-1]))
    _, finding = await store.audit.verify()
    assert finding is not None and (finding.id, finding.problem) == (ids[-1], "missing")
    await _sql(store, delete(audit_log).where(audit_log.c.id == ids[2]))
    _, finding = await store.audit.verify()
    assert finding is not None and (finding.id, finding.problem) == (ids[2], "missing")


async def test_two_swapped_entries_are_named_reordered(store: Store) -> None:
    await _fill(store, 6)
    rows = sorted(await store.audit.list(), key=lambda r: r.id)
    a, b = rows[1], rows[4]
    cols = ["at_ms", "actor", "action", "cluster", "target", "outcome", "prev_hash", "entry_hash"]

    def values(r: AuditRow) -> dict[str, object]:
        return {c: getattr(r, c) for c in cols} | {"detail_json": r.detail_json.decode()}

    await _sql(
        store,
        update(audit_log).where(audit_log.c.id == a.id).values(values(b)),
        update(audit_log).where(audit_log.c.id == b.id).values(values(a)),
    )
    _, finding = await store.audit.verify()
    assert finding is not None and (finding.id, finding.problem) == (a.id, "reordered")


async def test_two_stores_writing_at_once_keep_one_chain(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    other = await Store.open(url)
    try:
        await asyncio.gather(
            *(_fill(s, 15, actor=name) for s, name in ((store, "one"), (other, "two"))),
            *(_fill(s, 15, actor=name + "-b") for s, name in ((store, "one"), (other, "two"))),
        )
    finally:
        await other.close()
    count, finding = await store.audit.verify()
    assert (count, finding) == (60, None)


async def test_retention_takes_entries_from_the_front_and_the_chain_still_verifies(
    store: Store,
) -> None:
    settings = StoreSettings(purge_chunk_rows=3, purge_pause_s=0, rollup_delay_s=0)
    cutoff = NOW - settings.retention_ms(settings.audit_days)
    await _fill(store, 7, at_ms=cutoff - 100)
    await _fill(store, 1, at_ms=cutoff + 5)  # young
    await _fill(store, 2, at_ms=cutoff - 50)  # old, but behind a young one: stays for now
    report = await maintain_once(store, settings, now_ms=NOW)
    assert report.purged["audit_log"] == 7
    count, finding = await store.audit.verify()
    assert (count, finding) == (3, None)
    oldest = min(r.id for r in await store.audit.list())
    await _sql(store, delete(audit_log).where(audit_log.c.id == oldest))
    _, finding = await store.audit.verify()
    assert finding is not None and (finding.id, finding.problem) == (oldest, "missing")


async def test_migration_4_chains_the_entries_already_there(dsn: str) -> None:
    opened = await open_engine(dsn)
    try:
        await migrate(opened.engine, now_ms=1, steps={n: MIGRATIONS[n] for n in (1, 2, 3)})
        legacy = [
            {
                "id": i,  # a gap (a rolled-back id) before the chain existed
                "at_ms": 10 * i,
                "actor": "admin",
                "action": "cluster.add",
                "cluster": "edge",
                "target": "",
                "detail_json": f'{{"i": {i}}}',
                "outcome": "ok",
            }
            for i in (1, 2, 5)
        ]
        async with opened.engine.begin() as conn:
            await conn.execute(insert(audit_log), legacy)
    finally:
        await opened.engine.dispose()
    store = await Store.open(dsn)
    try:
        assert await store.audit.verify() == (3, None)
        async with store.engine.connect() as conn:
            head = (await conn.execute(select(audit_head))).one()
        assert (head.floor_id, head.last_id) == (1, 5)
        await _fill(store, 1)
        newest = (await store.audit.list(limit=1))[0]
        assert newest.id == 6
        assert await store.audit.verify() == (4, None)
    finally:
        await store.close()
