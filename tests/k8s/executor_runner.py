"""A real agent command executor for tests: submits one command and returns its final update
from the outbox. Shared by the real-control-plane command tests (``test_commands``) and the
command contract suite (``tests/contract``) and the chart install test (``tests/deploy``)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from agent.executor.client import Kube
from agent.executor.running import Executor
from agent.executor.settings import PolicySettings
from agent.kubeapi.transport import KubeAccess
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.domain.commands import Command, CommandUpdate
from shared.domain.refs import ObjectRef


class Runner:
    """Submits one command to a real executor and returns its final update from the outbox."""

    def __init__(self, executor: Executor, outbox: Outbox, timeout_s: float = 120.0) -> None:
        self.executor = executor
        self.outbox = outbox
        self.timeout_s = timeout_s  # the command's deadline and the wait for its verdict

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
                deadline_ms=now_ms() + int(self.timeout_s * 1000),
                **kw,
            )
        )
        async with asyncio.timeout(self.timeout_s):
            while (out := self._final(cid)) is None:
                await self.outbox.wait_beyond(self.outbox.last_seq, 1.0)
        return out


@contextlib.asynccontextmanager
async def executor_on(
    access: KubeAccess, policy: PolicySettings, *, timeout_s: float = 120.0
) -> AsyncIterator[Runner]:
    """A running executor on ``access``'s identity with ``policy`` (the caller owns ``access``)."""
    outbox = Outbox(max_records=100_000)
    executor = Executor(kube=Kube(access), outbox=outbox, policy=policy)
    stop = asyncio.Event()
    task = asyncio.create_task(executor.run(stop))
    try:
        yield Runner(executor, outbox, timeout_s)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        outbox.close()


@contextlib.asynccontextmanager
async def running_executor(
    kubeconfig: Path, policy: PolicySettings, *, context: str | None = None
) -> AsyncIterator[Runner]:
    """``executor_on`` with the identity of ``kubeconfig`` (the agent's)."""
    access = KubeAccess.from_files(kubeconfig=kubeconfig, context=context)
    async with access, executor_on(access, policy) as runner:
        yield runner
