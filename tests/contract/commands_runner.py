"""The command contract suites' shared runner: a real agent executor with the backend's agent
identity, and the helpers every command module uses."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from backends import Backend, wait_for

from agent.executor.kubeapi import Kube
from agent.executor.running import Executor
from agent.executor.settings import PolicySettings
from agent.kube import KubeAccess
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.domain.commands import Command, CommandUpdate
from shared.domain.refs import ObjectRef


class Runner:
    """Submits one command to a real executor and returns its final update from the outbox."""

    def __init__(self, executor: Executor, outbox: Outbox) -> None:
        self.executor = executor
        self.outbox = outbox

    def updates(self, cid: str) -> list[CommandUpdate]:
        return [
            r.body
            for r in self.outbox.after(0, 100_000)
            if isinstance(r.body, CommandUpdate) and r.body.command_id == cid
        ]

    def _final(self, cid: str) -> CommandUpdate | None:
        return next((u for u in self.updates(cid) if u.state.terminal), None)

    async def run(
        self, type_: str, target: ObjectRef, params: dict[str, Any] | None = None, **kw: Any
    ) -> CommandUpdate:
        cid = uuid.uuid4().hex
        self.executor.submit(
            Command(
                id=cid,
                type=type_,
                target=target,
                params_json=orjson.dumps(params or {}),
                deadline_ms=now_ms() + 120_000,
                **kw,
            )
        )
        async with asyncio.timeout(120):
            while (out := self._final(cid)) is None:
                await self.outbox.wait_beyond(self.outbox.last_seq, 1.0)
        return out


@contextlib.asynccontextmanager
async def agent_executor(backend: Backend) -> AsyncIterator[Runner]:
    """A real executor with the agent's identity; drain allowed, as a cluster owner opts in."""
    access = KubeAccess.from_files(
        kubeconfig=backend.agent_kubeconfig, context=backend.agent_context
    )
    outbox = Outbox(max_records=100_000)
    policy = PolicySettings(drain_enabled=True)
    executor = Executor(kube=Kube(access.api_client), outbox=outbox, policy=policy)
    stop = asyncio.Event()
    task = asyncio.create_task(executor.run(stop))
    try:
        yield Runner(executor, outbox)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await asyncio.to_thread(access.api_client.close)
        outbox.close()


async def settled(check: Any, what: str) -> Any:
    """``backends.wait_for`` off the event loop, so the executor keeps running meanwhile."""
    return await asyncio.to_thread(wait_for, check, timeout=60, what=what)


def pod_ref(ns: str, name: str) -> ObjectRef:
    return ObjectRef(kind="Pod", namespace=ns, name=name)
