"""Revoking or rotating an agent token ends the live session at once, from another process;
two agents presenting one token are noticed. Real gRPC, real SQLite, the real CLI."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import grpc
import httpx
import pytest

from master.clusters.sharing import REASON, fingerprint
from master.settings import MasterSettings
from shared.pb.lookout.v1 import link_pb2, link_pb2_grpc
from tests.harness import (
    API_TOKEN,
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)

CLI = [sys.executable, "-m", "master", "cluster"]


async def _cli(settings: MasterSettings, *args: str) -> str:
    """``lookout-master cluster ...`` as its own process on the master's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    env.update(
        MASTER_DATA_DIR=str(settings.data_dir),
        MASTER_GRPC_PLAINTEXT="true",
        MASTER_API_TOKEN=API_TOKEN,
    )
    proc = await asyncio.create_subprocess_exec(
        *CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def _hello(address: str, cluster: str, token: str) -> grpc.aio.AioRpcError:
    async with grpc.aio.insecure_channel(address) as channel:
        call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
        await call.write(link_pb2.AgentFrame(hello=link_pb2.Hello(cluster=cluster, token=token)))
        with pytest.raises(grpc.aio.AioRpcError) as info:
            while True:
                await call.read()
        return info.value


async def test_revoking_a_token_ends_the_live_session_and_its_reconnect_is_refused(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        async with running_agent(agent_settings("edge", token, m.address)) as a:
            await eventually(a.core.uplink.connected.is_set, what="agent connected")
            await _cli(settings, "revoke", "edge")
            await eventually(
                lambda: a.core.uplink.last_error.startswith("UNAUTHENTICATED"),
                timeout=20,
                what="the live stream ended with UNAUTHENTICATED",
            )
            assert "revoked" in a.core.uplink.last_error
            state = m.master.hub.cluster("edge")
            assert state is not None
            await eventually(lambda: not state.stream_open, what="the master closed the session")
            # The agent keeps redialling; every attempt is refused at the hello.
            sessions = a.core.uplink.sessions
            err = await _hello(m.address, "edge", token)
            assert err.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "revoked" in (err.details() or "")
            assert a.core.uplink.sessions == sessions
            assert m.master.link.registry.live("edge") is None


async def test_rotating_a_token_ends_the_session_of_the_old_one_and_the_new_one_connects(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    old = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        async with grpc.aio.insecure_channel(m.address) as channel:
            call = link_pb2_grpc.AgentLinkStub(channel).Connect()  # type: ignore[call-arg]
            hello = link_pb2.Hello(cluster="edge", token=old, instance_id="old-agent")
            await call.write(link_pb2.AgentFrame(hello=hello))
            first = await call.read()
            assert first.WhichOneof("frame") == "welcome"
            new = (await _cli(settings, "rotate", "edge")).strip()
            with pytest.raises(grpc.aio.AioRpcError) as ended:
                async with asyncio.timeout(20):
                    while True:
                        await call.read()  # pings, until the master ends the stream
            assert ended.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert "rotated" in (ended.value.details() or "")
        err = await _hello(m.address, "edge", old)
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        async with running_agent(agent_settings("edge", new, m.address)) as b:
            await eventually(b.core.uplink.connected.is_set, what="the new token connects")


async def test_two_agents_presenting_one_token_raise_a_finding(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        cfg = agent_settings("edge", token, m.address)
        async with running_agent(cfg) as first, running_agent(cfg) as second:
            assert first.core.uplink._cfg.instance_id != second.core.uplink._cfg.instance_id
            state = m.master.hub.ensure("edge")
            await eventually(
                lambda: fingerprint("edge") in state.master_findings,
                timeout=20,
                what="the shared token noticed",
            )
            found = state.master_findings[fingerprint("edge")]
            assert found.reason == REASON
            assert set(found.attrs["instances"].split(",")) == {
                first.core.uplink._cfg.instance_id,
                second.core.uplink._cfg.instance_id,
            }
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{m.master.http_port}",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
            ) as http:
                listed = (await http.get("/api/v1/clusters/edge/findings")).json()["items"]
                assert REASON in [f["reason"] for f in listed]
                # The agent's own findings are apart: an agent cannot resolve this one.
                assert fingerprint("edge") not in state.findings
