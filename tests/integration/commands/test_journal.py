"""The executor's command journal: a mutating command runs at most once across agent restarts.

Two executors over the same directory stand for two agent processes; the first is abandoned
mid-command the way a shutdown or a kill leaves it (its task cancelled, nothing more written).
The real-process version (SIGKILL of ``lookout-agent``) is ``test_agent_restart``."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
from kubernetes import client as k8s_client

from agent.executor.client import Kube
from agent.executor.ledger import Ledger
from agent.executor.registry import COMMANDS
from agent.executor.running import INTERRUPTED, Executor
from agent.executor.settings import PolicySettings
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.domain.commands import Command, CommandState, CommandUpdate
from shared.domain.refs import ObjectRef
from tests.harness import eventually
from tests.integration.commands.conftest import Recorder

WEB = ObjectRef(kind="Deployment", namespace="shop", name="web")


def scale(cid: str, key: str = "") -> Command:
    return Command(
        id=cid,
        type="scale",
        target=WEB,
        params_json=b'{"replicas": 3}',
        deadline_ms=now_ms() + 60_000,
        idempotency_key=key,
    )


def finals(outbox: Outbox, cid: str) -> list[CommandUpdate]:
    return [
        r.body
        for r in outbox.after(0, 10_000)
        if isinstance(r.body, CommandUpdate) and r.body.command_id == cid and r.body.state.terminal
    ]


@contextlib.asynccontextmanager
async def executor(
    journal: Path | None, rec: Recorder, *, abandon: bool = False
) -> AsyncIterator[tuple[Executor, Outbox]]:
    """An executor whose ``scale`` is the recorder; ``abandon``: leave like a killed process
    (cancel everything, write nothing more) instead of stopping."""
    outbox = Outbox(max_records=1000)
    ex = Executor(
        kube=Kube(k8s_client.ApiClient()),
        outbox=outbox,
        policy=PolicySettings(),
        commands={**COMMANDS, "scale": dataclasses.replace(COMMANDS["scale"], run=rec.run)},
        journal=None if journal is None else Ledger(journal, max_entries=100),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(ex.run(stop))
    try:
        yield ex, outbox
    finally:
        if abandon:
            task.cancel()
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


async def test_a_command_interrupted_by_a_restart_is_reported_and_never_run_again(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "spool.bin.commands"
    first = Recorder(gate=asyncio.Event())  # never released: the command is mid-run
    async with executor(journal, first, abandon=True) as (ex, outbox):
        ex.submit(scale("c1", key="k1"))
        await eventually(lambda: first.ran == ["Deployment/shop/web"], what="first run")
    assert finals(outbox, "c1") == []  # the first process never said how it ended

    again = Recorder()
    async with executor(journal, again) as (ex, outbox):
        # Reported at start, before the master re-sends anything ...
        await eventually(lambda: bool(finals(outbox, "c1")), what="interrupted verdict")
        ex.submit(scale("c1", key="k1"))  # ... and the master's re-send gets the same answer
        ex.submit(scale("c1-retry", key="k1"))  # as does the same idempotency key
        await eventually(lambda: len(finals(outbox, "c1")) == 2, what="re-delivery verdict")
        await eventually(lambda: bool(finals(outbox, "c1-retry")), what="same key verdict")
    assert again.ran == []
    verdicts = finals(outbox, "c1") + finals(outbox, "c1-retry")
    assert {(v.state, v.error_code, v.message) for v in verdicts} == {
        (CommandState.FAILED, "interrupted", INTERRUPTED)
    }


async def test_a_finished_command_delivered_again_after_a_restart_gets_its_recorded_outcome(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "spool.bin.commands"
    first = Recorder()
    async with executor(journal, first) as (ex, outbox):
        ex.submit(scale("c2"))
        await eventually(lambda: bool(finals(outbox, "c2")), what="first verdict")
    [done] = finals(outbox, "c2")
    assert done.state is CommandState.SUCCEEDED

    again = Recorder()
    async with executor(journal, again) as (ex, outbox):
        ex.submit(scale("c2"))
        await eventually(lambda: bool(finals(outbox, "c2")), what="recorded verdict")
    assert again.ran == []
    [replayed] = finals(outbox, "c2")
    assert (replayed.state, replayed.message) == (CommandState.SUCCEEDED, "done")
    assert orjson.loads(replayed.result_json) == orjson.loads(done.result_json)


async def test_without_a_journal_a_restarted_executor_runs_a_redelivered_command_again() -> None:
    """Memory mode (no spool path) keeps the old behaviour, as the settings say."""
    first, again = Recorder(), Recorder()
    async with executor(None, first) as (ex, outbox):
        ex.submit(scale("c3"))
        await eventually(lambda: bool(finals(outbox, "c3")))
    async with executor(None, again) as (ex, outbox):
        ex.submit(scale("c3"))
        await eventually(lambda: bool(finals(outbox, "c3")))
    assert first.ran == again.ran == ["Deployment/shop/web"]


async def test_a_mutating_command_the_journal_cannot_record_is_refused(tmp_path: Path) -> None:
    journal = tmp_path / "journal-is-a-directory"
    journal.mkdir()
    rec = Recorder()
    async with executor(journal, rec) as (ex, outbox):
        ex.submit(scale("c4"))
        await eventually(lambda: bool(finals(outbox, "c4")))
    [verdict] = finals(outbox, "c4")
    assert (verdict.state, verdict.error_code) == (CommandState.FAILED, "journal_unavailable")
    assert rec.ran == []
