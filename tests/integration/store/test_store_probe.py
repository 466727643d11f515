"""The store probe behind /readyz, against real peers: a server that refuses connections, one
that accepts and never answers, and a real SQLite store."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from master.store import Store
from master.store.engine.probing import StoreProbe


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A TCP server that accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        held.append(w)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for w in held:
            w.close()
        server.close()
        await server.wait_closed()


async def test_a_store_that_refuses_connections_is_unavailable() -> None:
    engine = create_async_engine(f"mysql+asyncmy://u:p@127.0.0.1:{_closed_port()}/db")
    try:
        answer = await StoreProbe(engine, where="test").check()
        assert answer is not None and "probe failed" in answer
    finally:
        await engine.dispose()


async def test_a_store_that_never_answers_is_unavailable_after_the_probe_timeout(
    silent_port: int,
) -> None:
    engine = create_async_engine(f"mysql+asyncmy://u:p@127.0.0.1:{silent_port}/db")
    try:
        answer = await StoreProbe(engine, where="test", timeout_s=0.2).check()
        assert answer == "no answer to a probe within 0.2 s"
    finally:
        await engine.dispose()


async def test_a_burst_of_probes_shares_one_query(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    try:
        probes: list[str] = []

        @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
        def _count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            if statement == "SELECT 1":
                probes.append(statement)

        answers = await asyncio.gather(*(store.unavailable() for _ in range(20)))
        assert answers == [None] * 20
        assert len(probes) == 1
    finally:
        await store.close()
