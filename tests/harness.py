"""In-process master and agents for integration tests: real gRPC on port 0, real SQLite; and
the environment of a ``python -m agent`` subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.app import AgentCore
from agent.settings import AgentSettings
from master.app import Master, open_store, serve, start
from master.clusters import tokens
from master.settings import MasterSettings
from shared.domain.journal import JournalRecord

API_TOKEN = "test-api-token-0123456789abcdef"


def master_settings(data_dir: Path, **overrides: Any) -> MasterSettings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "grpc_listen": "127.0.0.1:0",
        "http_listen": "127.0.0.1:0",
        "metrics_listen": "127.0.0.1:0",  # tests run many masters: never the fixed default
        "grpc_plaintext": True,
        "api_token": API_TOKEN,
        "heartbeat_interval_s": 0.5,
        "shutdown_grace_s": 2.0,
    }
    values.update(overrides)
    return MasterSettings(**values)


async def add_cluster(settings: MasterSettings, name: str) -> str:
    """Register ``name`` in the master's store and return its agent token."""
    store = await open_store(settings)
    try:
        issued = tokens.issue()
        await store.clusters.add(
            name, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=1
        )
        return issued.token
    finally:
        await store.close()


@dataclass
class RunningMaster:
    master: Master
    stop: asyncio.Event
    task: asyncio.Task[None]
    handled: list[tuple[str, int]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.master.grpc_port}"

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


@contextlib.asynccontextmanager
async def running_master(settings: MasterSettings) -> AsyncIterator[RunningMaster]:
    master = await start(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(master, stop))
    running = RunningMaster(master, stop, task)

    async def _record(cluster: str, records: list[JournalRecord] | Any) -> None:
        running.handled.extend((cluster, r.seq) for r in records)

    master.processor.subscribe(_record)
    try:
        yield running
    finally:
        if not task.done():
            await running.shutdown()


def agent_settings(cluster: str, token: str, address: str, **overrides: Any) -> AgentSettings:
    values: dict[str, Any] = {
        "cluster_name": cluster,
        "master_address": address,
        "token": token,
        "plaintext": True,
        "metrics_listen": "127.0.0.1:0",
        "heartbeat_interval_s": 0.5,
        "reconnect_initial_s": 0.05,
        "reconnect_max_s": 0.5,
        "reconnect_refused_max_s": 0.5,
        "shutdown_grace_s": 2.0,
    }
    values.update(overrides)
    return AgentSettings(**values)


def agent_process_env(
    cluster: str, token: str, address: str, *, kubeconfig: Path, spool: Path, **extra: str
) -> dict[str, str]:
    """The environment of a ``python -m agent`` child against ``kubeconfig``: this process's
    own minus any ``MASTER_``/``AGENT_`` setting, a plaintext link with quick reconnects, a
    free intake port, no metrics listener; ``extra`` adds or overrides ``AGENT_*`` values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        intake = f"127.0.0.1:{s.getsockname()[1]}"
    env.update(
        AGENT_CLUSTER_NAME=cluster,
        AGENT_MASTER_ADDRESS=address,
        AGENT_TOKEN=token,
        AGENT_PLAINTEXT="true",
        AGENT_RECONNECT_INITIAL_S="0.05",
        AGENT_RECONNECT_MAX_S="0.5",
        AGENT_SHUTDOWN_GRACE_S="2",
        AGENT_INTAKE__LISTEN=intake,
        AGENT_METRICS_LISTEN="",
        AGENT_SOURCES__KUBECONFIG=str(kubeconfig),
        AGENT_SPOOL_PATH=str(spool),
    )
    env.update(extra)
    return env


@dataclass
class RunningAgent:
    core: AgentCore
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)
        self.core.close()


@contextlib.asynccontextmanager
async def running_agent(settings: AgentSettings) -> AsyncIterator[RunningAgent]:
    core = AgentCore(settings)
    stop = asyncio.Event()
    task = asyncio.create_task(core.uplink.run(stop))
    agent = RunningAgent(core, stop, task)
    try:
        yield agent
    finally:
        if not task.done():
            await agent.shutdown()


async def eventually(check: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    """Wait until ``check()`` holds (polling the event loop, bounded)."""
    try:
        async with asyncio.timeout(timeout):
            while not check():  # noqa: ASYNC110 -- polls state it does not own
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what or check}") from None
