"""Deadlines travel as budgets: the master sends the time left, the agent counts it on its own
clock, so a skewed agent clock neither refuses a fresh command nor runs a late one.

The skew is played by the deadline the frame carries (the master's wall clock, an hour away
from ours), which is exactly what an agent with a skewed clock compares against."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from kubernetes import client as k8s_client

from agent.executor.client import Kube
from agent.executor.registry import COMMANDS, Spec
from agent.executor.running import Executor
from agent.executor.settings import PolicySettings
from agent.outbox.spool import Outbox
from master.commands.bus import to_command
from master.store import CommandRow
from shared.clock import now_ms
from shared.commands.catalogue import DESCRIBABLE
from shared.commands.params import NoParams
from shared.domain.commands import Command, CommandState, CommandUpdate
from shared.domain.refs import ObjectRef
from tests.harness import eventually
from tests.integration.commands.conftest import Recorder

HOUR_MS = 3_600_000
POD = ObjectRef(kind="Pod", namespace="shop", name="web-1")


def verdicts(outbox: Outbox, cid: str) -> list[CommandUpdate]:
    return [
        r.body
        for r in outbox.after(0, 1000)
        if isinstance(r.body, CommandUpdate) and r.body.command_id == cid and r.body.state.terminal
    ]


@contextlib.asynccontextmanager
async def rig(rec: Recorder) -> AsyncIterator[tuple[Executor, Outbox]]:
    outbox = Outbox(max_records=1000)
    ex = Executor(
        kube=Kube(k8s_client.ApiClient()),
        outbox=outbox,
        policy=PolicySettings(),
        commands={**COMMANDS, "describe": Spec(rec.run, NoParams, DESCRIBABLE, mutating=False)},
    )
    stop = asyncio.Event()
    task = asyncio.create_task(ex.run(stop))
    try:
        yield ex, outbox
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_a_fresh_command_runs_though_the_agents_clock_is_past_the_masters_deadline() -> None:
    rec = Recorder()
    async with rig(rec) as (ex, outbox):
        ex.submit(Command("c1", "describe", POD, deadline_ms=now_ms() - HOUR_MS, budget_ms=60_000))
        await eventually(lambda: bool(verdicts(outbox, "c1")))
    [verdict] = verdicts(outbox, "c1")
    assert verdict.state is CommandState.SUCCEEDED
    assert rec.ran == ["Pod/shop/web-1"]


async def test_a_command_stops_at_its_budget_though_the_masters_deadline_looks_far_away() -> None:
    rec = Recorder(gate=asyncio.Event())  # never released: only the deadline ends it
    async with rig(rec) as (ex, outbox):
        ex.submit(Command("c2", "describe", POD, deadline_ms=now_ms() + HOUR_MS, budget_ms=200))
        await eventually(lambda: bool(verdicts(outbox, "c2")), timeout=10)
    [verdict] = verdicts(outbox, "c2")
    assert (verdict.state, verdict.error_code) == (CommandState.TIMED_OUT, "deadline_exceeded")


async def test_without_a_budget_an_older_masters_deadline_still_counts() -> None:
    rec = Recorder()
    async with rig(rec) as (ex, outbox):
        ex.submit(Command("c3", "describe", POD, deadline_ms=now_ms() - 1000))
        await eventually(lambda: bool(verdicts(outbox, "c3")))
    [verdict] = verdicts(outbox, "c3")
    assert (verdict.state, verdict.error_code) == (CommandState.TIMED_OUT, "deadline_exceeded")
    assert rec.ran == []


def test_the_master_sends_the_time_left_at_send_time() -> None:
    row = CommandRow(
        id="c4",
        cluster="edge",
        type="describe",
        target="Pod/shop/web-1",
        params_json=b"{}",
        dry_run=False,
        idempotency_key="",
        state=CommandState.SENT,
        created_ms=1_000,
        updated_ms=1_000,
        deadline_ms=61_000,
        requested_by="ops",
    )
    assert to_command(row, at_ms=21_000).budget_ms == 40_000
    assert to_command(row, at_ms=61_000).budget_ms == 1  # the bus never sends one that late
    assert to_command(row, at_ms=21_000).deadline_ms == 61_000  # for agents without budgets
