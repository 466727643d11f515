"""The agent executor on its own: pre-flight refusals and duplicate deliveries, read back from
the real outbox (what would go up the link)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import orjson
import pytest
from kubernetes import client as k8s_client

from agent.executor.client import Kube
from agent.executor.registry import COMMANDS, Spec
from agent.executor.running import Executor
from agent.executor.settings import PolicySettings
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.commands.catalogue import DESCRIBABLE
from shared.commands.params import NoParams
from shared.domain.commands import Command, CommandCancel, CommandState, CommandUpdate
from shared.domain.refs import ObjectRef
from tests.harness import eventually
from tests.integration.commands.conftest import Recorder

POD = ObjectRef(kind="Pod", namespace="shop", name="web-1")
DEPLOYMENT = ObjectRef(kind="Deployment", namespace="shop", name="web")


def updates(outbox: Outbox) -> list[CommandUpdate]:
    return [r.body for r in outbox.after(0, 10_000) if isinstance(r.body, CommandUpdate)]


def final(outbox: Outbox, cid: str) -> list[CommandUpdate]:
    return [u for u in updates(outbox) if u.command_id == cid and u.state.terminal]


Rig = tuple[Executor, Outbox, Recorder]


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    outbox = Outbox(max_records=1000)
    rec = Recorder()
    commands = {**COMMANDS, "describe": Spec(rec.run, NoParams, DESCRIBABLE, mutating=False)}
    ex = Executor(
        kube=Kube(k8s_client.ApiClient()),
        outbox=outbox,
        policy=PolicySettings(allowed_namespaces=["shop"], drain_enabled=False),
        commands=commands,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(ex.run(stop))
    yield ex, outbox, rec
    stop.set()
    await asyncio.wait_for(task, 5)


def cmd(cid: str, type_: str = "describe", **kw: object) -> Command:
    values: dict[str, object] = {"target": POD, "deadline_ms": now_ms() + 60_000}
    values.update(kw)
    return Command(id=cid, type=type_, **values)  # type: ignore[arg-type]


async def test_a_command_past_its_deadline_is_refused_and_never_executed(rig: Rig) -> None:
    ex, outbox, rec = rig
    ex.submit(cmd("late", deadline_ms=now_ms() - 1000))
    await eventually(lambda: bool(final(outbox, "late")), what="verdict")
    [verdict] = final(outbox, "late")
    assert (verdict.state, verdict.error_code) == (CommandState.TIMED_OUT, "deadline_exceeded")
    assert verdict.message.startswith("refused: deadline passed")
    assert rec.ran == []


async def test_a_duplicate_delivery_returns_the_first_result_without_running_again(
    rig: Rig,
) -> None:
    ex, outbox, rec = rig
    ex.submit(cmd("c1", idempotency_key="k"))
    await eventually(lambda: bool(final(outbox, "c1")), what="first verdict")
    ex.submit(cmd("c1", idempotency_key="k"))  # re-sent after a reconnect
    ex.submit(cmd("c2", idempotency_key="k"))  # same key, new id
    await eventually(lambda: len(final(outbox, "c1")) == 2 and bool(final(outbox, "c2")))
    results = {u.result_json for u in final(outbox, "c1") + final(outbox, "c2")}
    assert results == {orjson.dumps({"described": "Pod/shop/web-1"})}
    assert rec.ran == ["Pod/shop/web-1"]
    assert ex.executed_total == 1


async def test_a_cancel_that_arrives_first_wins(rig: Rig) -> None:
    ex, outbox, rec = rig
    ex.submit(CommandCancel(id="c3", reason="operator"))
    ex.submit(cmd("c3"))
    await eventually(lambda: bool(final(outbox, "c3")))
    assert final(outbox, "c3")[0].state is CommandState.CANCELLED
    assert rec.ran == []


@pytest.mark.parametrize(
    ("command", "code", "text"),
    [
        (cmd("d", "drain", target=ObjectRef(kind="Node", name="n1")), "forbidden_by_policy",
         "forbidden by agent policy: drain is disabled on this cluster"),
        (cmd("n", target=ObjectRef(kind="Pod", namespace="kube-system", name="x")),
         "forbidden_by_policy",
         "forbidden by agent policy: namespace 'kube-system' is not allowed"),
        (cmd("u", "format_disk"), "unknown", "unknown command 'format_disk'"),
        (cmd("p", "scale", target=DEPLOYMENT, params_json=b'{"replicas": 5000}'),
         "invalid_params",
         "replicas: Input should be less than or equal to 1000"),
        (cmd("t", "scale", params_json=b'{"replicas": 2}'), "invalid_target",
         "scale cannot target a Pod"),
    ],
)  # fmt: skip
async def test_pre_flight_refusals_are_structured_failures(
    rig: Rig, command: Command, code: str, text: str
) -> None:
    ex, outbox, rec = rig
    # Parameters are built at collection time; the deadline must be fresh when the test runs.
    command = dataclasses.replace(command, deadline_ms=now_ms() + 60_000)
    ex.submit(command)
    await eventually(lambda: bool(final(outbox, command.id)))
    [verdict] = final(outbox, command.id)
    assert verdict.state is CommandState.FAILED
    assert verdict.error_code == code
    assert text in verdict.message
    assert rec.ran == []
