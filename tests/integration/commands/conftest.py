"""A master with the command bus wired, and agents with an executor, over the real link.

The Kubernetes API is the leaf seam here: the bus tests swap ``describe`` for a recording
command (same type, so the master's catalogue accepts it) and never touch a cluster; the
commands themselves are proven against a real control plane in ``tests/k8s``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from kubernetes import client as k8s_client

from agent.app import AgentCore, build_uplink_config
from agent.executor.client import Kube
from agent.executor.context import Ctx
from agent.executor.registry import COMMANDS, Spec
from agent.executor.running import Executor
from agent.executor.settings import PolicySettings
from agent.settings import AgentSettings
from agent.uplink.stream import Uplink
from master.commands.bus import CommandBus
from shared.commands.catalogue import DESCRIBABLE
from shared.commands.params import NoParams
from tests.harness import API_TOKEN, RunningMaster


@dataclass
class Recorder:
    """The seam: records what ran; ``gate`` (when set) holds commands until released."""

    ran: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def run(self, ctx: Ctx) -> dict[str, Any]:
        self.ran.append(str(ctx.target))
        if self.gate is not None:
            async with asyncio.timeout(30):
                await self.gate.wait()
        return {"described": str(ctx.target)}


@contextlib.asynccontextmanager
async def command_bus(m: RunningMaster) -> AsyncIterator[CommandBus]:
    """The master's own command bus (wired by master.app)."""
    yield m.master.commands


@dataclass
class CommandAgent:
    core: AgentCore
    executor: Executor
    recorder: Recorder
    stop: asyncio.Event
    tasks: list[asyncio.Task[None]]


@contextlib.asynccontextmanager
async def command_agent(
    settings: AgentSettings, recorder: Recorder, policy: PolicySettings | None = None
) -> AsyncIterator[CommandAgent]:
    core = AgentCore(settings)
    commands = {**COMMANDS, "describe": Spec(recorder.run, NoParams, DESCRIBABLE, mutating=False)}
    executor = Executor(
        kube=Kube(k8s_client.ApiClient()),
        outbox=core.outbox,
        policy=policy or PolicySettings(),
        commands=commands,
    )
    core.uplink = Uplink(
        build_uplink_config(settings),
        mirror=core.mirror,
        outbox=core.outbox,
        wake=core.wake,
        on_command=executor.submit,
    )
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(core.uplink.run(stop), name="uplink"),
        asyncio.create_task(executor.run(stop), name="executor"),
    ]
    try:
        yield CommandAgent(core, executor, recorder, stop, tasks)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        core.close()


def api(m: RunningMaster) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{m.master.http_port}",
        headers={"Authorization": f"Bearer {API_TOKEN}"},
        timeout=30,
    )


def describe_pod(name: str = "web-1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "describe",
        "target": {"kind": "Pod", "namespace": "shop", "name": name},
        **extra,
    }
