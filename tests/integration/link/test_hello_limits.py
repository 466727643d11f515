"""What an unauthenticated peer may cost the master on the gRPC port, over real grpc.aio on
port 0: the hello's size, failed hellos per address, calls at once, what reaches the log."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import grpc
import pytest

from master.ingress.limits import HELLO_MAX_BYTES
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc
from tests.harness import (
    add_cluster,
    agent_settings,
    master_settings,
    running_agent,
    running_master,
)


async def _refused(address: str, *frames: link_pb2.AgentFrame) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as channel:
        call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
        for frame in frames:
            try:
                await call.write(frame)
            except grpc.aio.AioRpcError as e:
                # A busy master may refuse (an address it holds back) before it reads what
                # was sent: the refusal then ends the call under the write.
                return e
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call.read()
        return info.value


def _hello(cluster: str, token: str, capabilities: Sequence[str] = ()) -> link_pb2.AgentFrame:
    hello = link_pb2.Hello(cluster=cluster, token=token, capabilities=capabilities)
    return link_pb2.AgentFrame(hello=hello)


async def test_a_hello_larger_than_a_few_kib_is_refused_even_with_a_valid_token(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        padded = _hello("edge", token, ["c" * 100] * (HELLO_MAX_BYTES // 100))
        err = await _refused(m.address, padded)
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "hello limit" in (err.details() or "")
        state = m.master.hub.cluster("edge")
        assert state is None or not state.agent.session_id  # no session was opened
        # A hello of ordinary size still opens one.
        async with running_agent(agent_settings("edge", token, m.address)) as a:
            await a.core.uplink.connected.wait()


async def test_an_address_that_keeps_failing_its_hello_is_refused_for_a_while(
    tmp_path: Path,
) -> None:
    settings = master_settings(
        tmp_path / "m", grpc_failed_hello_burst=3, grpc_failed_hello_refill_s=3600
    )
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        bad = _hello("edge", "lkt_nope_" + "x" * 40)
        for frame in (bad, bad, link_pb2.AgentFrame()):  # bad tokens, then not a hello
            err = await _refused(m.address, frame)
            assert err.code() in {
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.FAILED_PRECONDITION,
            }
        # The burst is spent: refused before the hello is read, the right token included.
        err = await _refused(m.address, _hello("edge", token))
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "too many failed hellos" in (err.details() or "")


async def test_calls_beyond_the_concurrency_cap_fail_at_once(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m", grpc_max_concurrent_rpcs=2)
    async with running_master(settings) as m:
        async with grpc.aio.insecure_channel(m.address) as channel:
            stub = link_pb2_grpc.AgentLinkStub(channel)
            # Two streams that say nothing hold both slots (until their hello timeout).
            held = [stub.Connect() for _ in range(2)]  # type: ignore[call-arg]
            for call in held:
                await call.wait_for_connection()
            third = stub.Connect()  # type: ignore[call-arg]
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await third.read()
            assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            for call in held:
                call.cancel()


async def test_what_a_refused_hello_says_reaches_the_log_bounded_and_escaped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = master_settings(tmp_path / "m")
    async with running_master(settings) as m:
        forged = "edge\n2026-01-01 INFO master: agent admin connected\x1b[2J" + "z" * 2000
        with caplog.at_level(logging.WARNING, logger="master.ingress.hello"):
            err = await _refused(m.address, _hello(forged, "lkt_nope_" + "x" * 40))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        [line] = [r.getMessage() for r in caplog.records if r.name == "master.ingress.hello"]
        assert "\n" not in line and "\x1b" not in line
        assert "\\n2026-01-01" in line and "\\x1b[2J" in line
        assert len(line) < 400
