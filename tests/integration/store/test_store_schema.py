"""Opening the store: migrations, refusal of newer schemas, clear errors for bad databases."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select

from master.store import SchemaTooNew, Store, StoreCorrupt, StoreError, StoreUnavailable
from master.store.schema.migrations import LATEST_VERSION
from master.store.schema.tables import metadata, schema_version


async def test_opening_twice_applies_each_migration_once(dsn: str) -> None:
    first = await Store.open(dsn)
    await first.close()
    second = await Store.open(dsn)
    try:
        async with second.engine.connect() as conn:
            versions = (await conn.execute(select(schema_version.c.version))).scalars().all()
    finally:
        await second.close()
    assert sorted(versions) == list(range(1, LATEST_VERSION + 1))


async def test_migrated_database_matches_the_declared_schema(store: Store) -> None:
    def describe(sync_conn: object) -> dict[str, set[str]]:
        insp = inspect(sync_conn)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}

    async with store.engine.connect() as conn:
        actual = await conn.run_sync(describe)
    declared = {name: {c.name for c in t.columns} for name, t in metadata.tables.items()}
    assert actual == declared


async def test_refuses_to_start_on_a_schema_newer_than_the_code(dsn: str) -> None:
    store = await Store.open(dsn)
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(schema_version).values(version=LATEST_VERSION + 5, applied_ms=1, description="x")
        )
    await store.close()
    with pytest.raises(SchemaTooNew, match=f"version {LATEST_VERSION + 5} is newer"):
        await Store.open(dsn)


async def test_corrupt_sqlite_file_is_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lookout.db"
    path.write_bytes(b"this is certainly not a database " * 200)
    with pytest.raises(StoreCorrupt, match="not a usable database") as caught:
        await Store.open(f"sqlite+aiosqlite:///{path}")
    assert str(path) in str(caught.value)


async def test_unreachable_mysql_is_a_clear_error_naming_the_server() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        with pytest.raises(StoreUnavailable, match=f"cannot reach .* at lookout@127.0.0.1:{port}"):
            await Store.open(f"mysql+asyncmy://lookout:pw@127.0.0.1:{port}/lookout")


@pytest.mark.parametrize(
    ("dsn_text", "message"),
    [
        ("not a url", "not a valid SQLAlchemy URL"),
        ("postgresql://x@y/z", "not supported"),
        ("sqlite+aiosqlite:///:memory:", "in-memory SQLite"),
    ],
)
async def test_unusable_dsn_is_refused_with_a_reason(dsn_text: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        await Store.open(dsn_text)


async def test_writes_after_close_are_refused(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await store.close()
    with pytest.raises(StoreError, match=r"not running|closing"):
        await store.clusters.add("late", token_id="tid", token_hash="hash", now_ms=1)
