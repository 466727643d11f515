"""Fixtures for the store contract suite: every test runs against SQLite and real MariaDB.

``dsn`` is an empty database (fresh per test: for migration and crash tests). ``store`` is an
open Store on a migrated database emptied before each test: on MariaDB that database is migrated
once per session, because creating ~15 tables costs ~2 s there and the suite has many tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete

from master.datahub.hub import DataHub
from master.gateway.app import create_app
from master.gateway.state import GatewayState
from master.store import Store
from master.store.schema.tables import metadata, schema_version
from tests.mariadb import MariaDB, mariadb_dsn, mariadb_server

__all__ = ["mariadb_dsn", "mariadb_server"]


@pytest.fixture(params=["sqlite", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def dsn(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The DSN of an empty, never-migrated database on each backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}"
    return str(request.getfixturevalue("mariadb_dsn"))


@pytest.fixture(scope="session")
def mariadb_migrated(mariadb_server: MariaDB) -> str:
    mariadb_server.sql("CREATE DATABASE lookout_shared CHARACTER SET utf8mb4")
    dsn = mariadb_server.dsn("lookout_shared")

    async def migrate() -> None:
        await (await Store.open(dsn)).close()

    # Requested from inside a running loop (the async ``store`` fixture): migrate on a thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, migrate()).result(timeout=120)
    return dsn


@pytest.fixture
async def store(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Store]:
    """An open store on an empty, migrated database."""
    if backend == "sqlite":
        s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    else:
        s = await Store.open(str(request.getfixturevalue("mariadb_migrated")))
        async with s.engine.begin() as conn:
            for table in metadata.sorted_tables:
                if table is not schema_version:
                    await conn.execute(delete(table))
    try:
        yield s
    finally:
        await s.close()


API_TOKEN = "store-api-test-token-0123456789ab"


@pytest.fixture
async def api(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """The real gateway (every route, its authentication and permission checks, the error
    handlers) over ``store``, called with the API token; cluster ``prod`` registered. A
    client without the token is refused, which ``test_store_history_api`` proves."""
    state = GatewayState(
        hub=DataHub(reconnecting_after_s=15, offline_after_s=60), api_token=API_TOKEN, store=store
    )
    await store.clusters.add("prod", token_id="tid", token_hash="hash", now_ms=1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(state=state, dashboard_dir=None)),
        base_url="http://t",
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    ) as c:
        yield c
