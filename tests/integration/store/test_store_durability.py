"""SQLite keeps the "acknowledged only once durable" promise: every commit runs with
``synchronous=FULL`` unless a lab opts out; and the store's files are the master's alone
(directory 0700, database and its -wal/-shm 0600). SQLite only: both are SQLite's settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import Connection, text

from master.app import open_store
from master.store import Store, StoreSettings
from tests.harness import master_settings

_LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def _synchronous(conn: Connection) -> str:
    return _LEVELS[int(conn.execute(text("PRAGMA synchronous")).scalar_one())]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_writer_commits_with_synchronous_full_by_default(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    try:
        assert await store.writer.run(_synchronous) == "FULL"
        async with store.engine.connect() as conn:
            assert await conn.run_sync(_synchronous) == "FULL"
    finally:
        await store.close()


async def test_a_lab_may_trade_power_loss_durability_for_speed(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m", store=StoreSettings(lose_acked_on_power_loss=True))
    store = await open_store(settings)
    try:
        assert await store.writer.run(_synchronous) == "NORMAL"
    finally:
        await store.close()


async def test_the_data_dir_and_the_sqlite_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask: SQLite alone would make the files 0644
    try:
        settings = master_settings(tmp_path / "new" / "data")
        store = await open_store(settings)
        try:
            await store.writer.run(lambda conn: conn.execute(text("CREATE TABLE t (x)")))
            db = settings.data_dir / "lookout.db"
            assert _mode(settings.data_dir) == 0o700
            for path in (db, db.with_name("lookout.db-wal"), db.with_name("lookout.db-shm")):
                assert path.exists(), path
                assert _mode(path) == 0o600, (path, oct(_mode(path)))
        finally:
            await store.close()
    finally:
        os.umask(old)


async def test_a_store_left_readable_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    first = await Store.open(f"sqlite+aiosqlite:///{data / 'lookout.db'}")
    await first.close()
    db = data / "lookout.db"
    os.chmod(db, 0o644)
    os.chmod(data, 0o755)
    store = await open_store(master_settings(data))
    try:
        assert (_mode(data), _mode(db)) == (0o700, 0o600)
    finally:
        await store.close()
