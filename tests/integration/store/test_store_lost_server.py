"""A store whose server goes away raises the store's own errors (StoreUnavailable), on reads
and writes alike, and the gateway answers them 503 with Retry-After; /readyz says not ready.
Real MariaDB behind a TCP relay the test cuts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from master.store import Store, StoreUnavailable
from tests.harness import API_TOKEN, master_settings, running_master


class _Relay:
    """Forwards TCP to the server until ``cut``: then every connection drops and new ones are
    refused, as when the database host goes away."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._writers: list[asyncio.StreamWriter] = []
        self._pipes: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers += [writer, up_writer]
        pipes = {
            asyncio.create_task(_pipe(reader, up_writer)),
            asyncio.create_task(_pipe(up_reader, writer)),
        }
        self._pipes |= pipes
        await asyncio.gather(*pipes, return_exceptions=True)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for w in self._writers:
            w.close()
        for task in self._pipes:
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def _relayed(dsn: str) -> AsyncIterator[tuple[str, _Relay]]:
    url = make_url(dsn)
    relay = _Relay(url.host or "127.0.0.1", url.port or 3306)
    await relay.start()
    try:
        yield url.set(host="127.0.0.1", port=relay.port).render_as_string(False), relay
    finally:
        await relay.cut()


async def test_reads_and_writes_on_a_lost_server_raise_store_unavailable(
    mariadb_dsn: str,
) -> None:
    async with _relayed(mariadb_dsn) as (dsn, relay):
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
    async with _relayed(mariadb_dsn) as (dsn, relay):
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
