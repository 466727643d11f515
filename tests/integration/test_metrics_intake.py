"""Metrics daemon pusher -> agent MetricsIntake over real grpc.aio on port 0."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import grpc
import pytest

from agent.intake.errors import IntakeBindError, IntakeBusy
from agent.intake.serving import IntakeServer, serve_intake
from agent.intake.settings import IntakeSettings
from metrics_daemon.app import run
from metrics_daemon.buffering import SampleBuffer
from metrics_daemon.pushing import Pusher
from metrics_daemon.settings import MetricsSettings
from shared.domain.metrics import NodeMetricsSample
from shared.pb.lookout.v1 import metrics_pb2 as pb
from shared.pb.lookout.v1 import metrics_pb2_grpc as pb_grpc
from shared.retry import Backoff

FAST = Backoff(initial_s=0.05, max_s=0.2)


class Received:
    """The agent side's ``on_samples``: records what it was handed."""

    def __init__(self) -> None:
        self.samples: list[NodeMetricsSample] = []
        self.busy = False

    def __call__(self, samples: tuple[NodeMetricsSample, ...]) -> None:
        if self.busy:
            raise IntakeBusy("outbox full")
        self.samples.extend(samples)


async def eventually(cond: Callable[[], bool], timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not cond():  # noqa: ASYNC110 -- polls state owned by the peer under test
            await asyncio.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample(i: int, node: str = "node-a") -> NodeMetricsSample:
    return NodeMetricsSample(node=node, at_ms=1_000 + i, cpu_percent=float(i))


@pytest.fixture
async def received() -> Received:
    return Received()


@pytest.fixture
async def intake(received: Received) -> AsyncIterator[IntakeServer]:
    server = IntakeServer("127.0.0.1:0", received, token=None)
    await server.start()
    yield server
    await server.stop(0)


async def run_pusher(pusher: Pusher, stop: asyncio.Event) -> asyncio.Task[None]:
    return asyncio.create_task(pusher.run(stop, flush_timeout_s=1.0))


async def test_the_daemon_pushes_samples_of_this_machine_to_the_agent(
    intake: IntakeServer, received: Received
) -> None:
    settings = MetricsSettings(
        node_name="live-node", interval_s=1.0, agent_address=f"127.0.0.1:{intake.port}"
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    await eventually(lambda: len(received.samples) >= 1)
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    s = received.samples[0]
    assert s.node == "live-node"
    assert s.memory.total_bytes > 0
    assert "/" in [f.mountpoint for f in s.filesystems]
    assert s.at_ms > 0


async def test_buffered_samples_arrive_in_order_once_a_late_intake_starts(
    received: Received,
) -> None:
    port = free_port()
    buffer = SampleBuffer(40)
    for i in range(5):
        buffer.put(sample(i))
    pusher = Pusher(address=f"127.0.0.1:{port}", buffer=buffer, backoff=FAST, timeout_s=1.0)
    stop = asyncio.Event()
    task = await run_pusher(pusher, stop)
    await eventually(lambda: pusher.consecutive_failures >= 2)
    assert received.samples == []
    server = IntakeServer(f"127.0.0.1:{port}", received)
    await server.start()
    try:
        await eventually(lambda: len(received.samples) == 5)
        buffer.put(sample(5))
        await eventually(lambda: len(received.samples) == 6)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        await server.stop(0)
    assert [s.at_ms for s in received.samples] == [1_000 + i for i in range(6)]
    assert pusher.consecutive_failures == 0
    assert pusher.delivered == 6
    assert len(buffer) == 0


async def test_a_wrong_token_is_refused_and_the_daemon_keeps_its_samples(
    received: Received,
) -> None:
    server = IntakeServer("127.0.0.1:0", received, token="right-token")
    port = await server.start()
    buffer = SampleBuffer(40)
    buffer.put(sample(1))
    pusher = Pusher(address=f"127.0.0.1:{port}", buffer=buffer, token="wrong-token", backoff=FAST)
    stop = asyncio.Event()
    task = await run_pusher(pusher, stop)
    try:
        await eventually(lambda: pusher.consecutive_failures >= 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        await server.stop(0)
    assert received.samples == []
    assert len(buffer) == 1


@pytest.mark.parametrize("metadata", [None, (("authorization", "Bearer nope"),)])
async def test_the_intake_answers_unauthenticated_to_a_missing_or_wrong_token(
    received: Received, metadata: tuple[tuple[str, str], ...] | None
) -> None:
    server = IntakeServer("127.0.0.1:0", received, token="right-token")
    port = await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            stub = pb_grpc.MetricsIntakeStub(ch)
            request = pb.NodeMetricsBatch(samples=[pb.NodeMetricsSample(node="n", at_ms=1)])
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.Push(request, timeout=5, metadata=metadata)
    finally:
        await server.stop(0)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert received.samples == []


async def test_the_right_token_is_accepted(received: Received) -> None:
    server = IntakeServer("127.0.0.1:0", received, token="right-token")
    port = await server.start()
    buffer = SampleBuffer(40)
    buffer.put(sample(7))
    pusher = Pusher(address=f"127.0.0.1:{port}", buffer=buffer, token="right-token", backoff=FAST)
    stop = asyncio.Event()
    task = await run_pusher(pusher, stop)
    try:
        await eventually(lambda: len(received.samples) == 1)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
        await server.stop(0)
    assert received.samples == [sample(7)]


async def test_a_batch_with_a_nameless_sample_is_refused_whole(
    intake: IntakeServer, received: Received
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{intake.port}") as ch:
        stub = pb_grpc.MetricsIntakeStub(ch)
        request = pb.NodeMetricsBatch(
            samples=[pb.NodeMetricsSample(node="ok", at_ms=1), pb.NodeMetricsSample(at_ms=2)]
        )
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Push(request, timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "node name" in (err.value.details() or "")
    assert received.samples == []


async def test_the_daemon_drops_a_batch_the_agent_calls_invalid(
    intake: IntakeServer, received: Received
) -> None:
    buffer = SampleBuffer(40)
    buffer.put(sample(1, node=""))
    pusher = Pusher(address=f"127.0.0.1:{intake.port}", buffer=buffer, backoff=FAST)
    stop = asyncio.Event()
    task = await run_pusher(pusher, stop)
    try:
        await eventually(lambda: pusher.rejected == 1)
        buffer.put(sample(2))
        await eventually(lambda: len(received.samples) == 1)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert received.samples == [sample(2)]


async def test_a_busy_agent_makes_the_daemon_hold_and_retry(
    intake: IntakeServer, received: Received
) -> None:
    received.busy = True
    buffer = SampleBuffer(40)
    buffer.put(sample(1))
    pusher = Pusher(address=f"127.0.0.1:{intake.port}", buffer=buffer, backoff=FAST)
    stop = asyncio.Event()
    task = await run_pusher(pusher, stop)
    try:
        await eventually(lambda: pusher.consecutive_failures >= 2)
        assert len(buffer) == 1
        received.busy = False
        await eventually(lambda: len(received.samples) == 1)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert received.samples == [sample(1)]


async def test_serve_intake_serves_until_stop_and_reports_its_port(received: Received) -> None:
    stop = asyncio.Event()
    ports: list[int] = []
    task = asyncio.create_task(
        serve_intake("127.0.0.1:0", received, token=None, stop=stop, on_bound=ports.append)
    )
    await eventually(lambda: bool(ports))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{ports[0]}") as ch:
        ack = await pb_grpc.MetricsIntakeStub(ch).Push(
            pb.NodeMetricsBatch(samples=[pb.NodeMetricsSample(node="n", at_ms=3)]), timeout=5
        )
    assert ack.accepted == 1
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert [s.node for s in received.samples] == ["n"]


async def test_an_address_in_use_is_a_clear_start_up_error(
    intake: IntakeServer, received: Received
) -> None:
    with pytest.raises(IntakeBindError, match=str(intake.port)):
        await IntakeServer(f"127.0.0.1:{intake.port}", received).start()


def test_intake_settings_defaults_match_the_daemon_defaults() -> None:
    s = IntakeSettings()
    daemon = MetricsSettings(node_name="n")
    assert s.listen.rsplit(":", 1)[1] == daemon.agent_address.rsplit(":", 1)[1]
    assert s.token_or_none() is None
