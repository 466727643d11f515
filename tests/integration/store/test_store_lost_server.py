"""A store whose server goes away raises the store's own errors (StoreUnavailable), on reads
and writes alike, and the gateway answers them 503 with Retry-After; /readyz says not ready.
Real MariaDB behind a TCP relay the test cuts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from master.store import Store, StoreUnavailable
from tests.harness import API_TOKEN, master_settings, running_master
from tests.tcprelay import relayed


async def test_reads_and_writes_on_a_lost_server_raise_store_unavailable(
    mariadb_dsn: str,
) -> None:
    async with relayed(mariadb_dsn) as (dsn, relay):
        store = await Store.open(dsn)
        try:
            assert await store.clusters.list() == []
            await relay.cut()
            with pytest.raises(StoreUnavailable, match="cannot be reached"):
                await store.clusters.list()
            with pytest.raises(StoreUnavailable, match="cannot be reached"):
                await store.clusters.add("edge", token_id="t1", token_hash="h", now_ms=1)
            assert await store.unavailable() is not None
        finally:
            await store.close()


async def test_the_gateway_answers_a_lost_store_with_503_and_retry_after(
    mariadb_dsn: str, tmp_path: Path
) -> None:
    async with relayed(mariadb_dsn) as (dsn, relay):
        settings = master_settings(tmp_path / "m", store_dsn=dsn)
        async with running_master(settings) as m:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{m.master.http_port}",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
                timeout=30,
            ) as http:
                assert (await http.get("/api/v1/commands")).status_code == 200
                assert (await http.get("/readyz")).status_code == 200
                await relay.cut()
                r = await http.get("/api/v1/commands")
                assert r.status_code == 503, r.text
                assert r.headers["retry-after"] == "10"
                assert "cannot be reached" in r.json()["message"]
                async with asyncio.timeout(30):  # the probe's last answer may be reused a moment
                    while (ready := await http.get("/readyz")).status_code == 200:  # noqa: ASYNC110
                        await asyncio.sleep(0.1)
                assert (ready.status_code, ready.json()["store"]) == (503, "unavailable")
