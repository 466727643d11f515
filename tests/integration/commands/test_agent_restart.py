"""SIGKILL of the real agent process while a command runs: the restarted agent reports the
command interrupted and never runs it a second time (a ``rollback`` without a revision, run
twice, would undo itself).

Peers: the master in-process (real gRPC, HTTP and SQLite), kubesim as the agent's API server,
and ``lookout-agent`` as a subprocess with its spool on disk (``gated_agent``: the product's
entry point, its ``scale`` held so the kill lands mid-run, before the master has heard of it)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from agent.executor.running import INTERRUPTED
from tests.harness import add_cluster, agent_process_env, master_settings, running_master
from tests.integration.commands.conftest import api
from tests.integration.simulated import kubesim

SCALE = {
    "type": "scale",
    "target": {"kind": "Deployment", "namespace": "shop", "name": "web"},
    "params": {"replicas": 3},
    "timeout_s": 120,
}


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    with kubesim(tmp_path / "sim") as path:
        yield path


def _runs(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


async def _until(check: Callable[[], Awaitable[bool]], *, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def _agent(argv: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*argv, env=env, stderr=subprocess.DEVNULL)


async def test_a_command_killed_mid_run_is_not_run_again_after_the_agent_restarts(
    tmp_path: Path, kubeconfig: Path
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    runs = tmp_path / "runs"
    async with running_master(settings) as m, api(m) as http:
        env = agent_process_env(
            "edge",
            token,
            m.address,
            kubeconfig=kubeconfig,
            spool=tmp_path / "spool" / "spool.bin",
            LOOKOUT_TEST_RUNS=str(runs),
        )
        argv = [sys.executable, "-m", "tests.integration.commands.gated_agent"]

        async def connected() -> bool:
            r = await http.get("/api/v1/clusters/edge")
            return bool(r.json()["status"] == "connected")

        agent = await _agent(argv, env)
        try:
            await _until(connected, what="the first agent")
            r = await http.post("/api/v1/clusters/edge/commands", json=SCALE)
            assert r.status_code == 202, r.text
            cid = r.json()["id"]

            async def started() -> bool:
                return _runs(runs) >= 1

            await _until(started, what="the command to start")
            agent.send_signal(signal.SIGKILL)
            await asyncio.wait_for(agent.wait(), 30)
            state = (await http.get(f"/api/v1/commands/{cid}")).json()["state"]
            assert state == "sent"  # the master never heard it run: it will send it again

            agent = await _agent(argv, env)

            async def settled() -> bool:
                body = (await http.get(f"/api/v1/commands/{cid}")).json()
                return bool(body["terminal"]) or _runs(runs) > 1

            await _until(settled, what="a verdict or a second run")
            body = (await http.get(f"/api/v1/commands/{cid}")).json()
            assert _runs(runs) == 1, "the command ran again after the restart"
            assert (body["state"], body["error_code"], body["message"]) == (
                "failed",
                "interrupted",
                INTERRUPTED,
            )
            agent.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(agent.wait(), 30) == 0
        finally:
            if agent.returncode is None:
                agent.kill()
                await agent.wait()
