"""The agent child of ``bench.commands``: the agent's uplink and command executor in a process
of their own, as deployed, answering ``{"op": ...}`` requests over a pipe.

It runs ``AgentCore`` (uplink + executor, composed as ``agent.app`` does, without the sources and
the metrics intake, which a command does not use) with the agent's least-privilege Kubernetes
identity. ``TimedKube`` charges the time of each API exchange to its command, so the parent can
subtract it from the round trip: ``api_times`` hands those over (and forgets them). The time is
measured in this process's event loop, so under concurrency it includes the time an answer
waits for the loop; the overhead the parent derives is then a lower bound."""

from __future__ import annotations

import asyncio
import logging
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from agent.app import AgentCore
from agent.executor.client import Kube
from agent.kubeapi.transport import KubeAccess
from agent.settings import AgentSettings
from bench.common import serve_ops, until
from shared.lifecycle import run_loop


class TimedKube(Kube):
    """``Kube`` that charges the time of each API exchange to its command (the executor runs
    each command in a task named ``command-<id>``)."""

    def __init__(self, access: KubeAccess) -> None:
        super().__init__(access)
        self.api_s: dict[str, float] = {}

    async def send(
        self,
        method: str,
        resource: str,
        params: dict[str, str],
        data: bytes | None,
        content_type: str,
    ) -> tuple[int, bytes]:
        task = asyncio.current_task()
        cid = task.get_name().removeprefix("command-") if task is not None else ""
        t0 = time.perf_counter()
        try:
            return await super().send(method, resource, params, data, content_type)
        finally:
            self.api_s[cid] = self.api_s.get(cid, 0.0) + time.perf_counter() - t0


def agent_process(conn: Connection, spec: dict[str, Any]) -> None:
    """Child entry point (spawn). ``spec``: cluster, address, token, kubeconfig."""
    logging.basicConfig(level=logging.WARNING)
    run_loop(_main(conn, spec))


async def _main(conn: Connection, spec: dict[str, Any]) -> None:
    core = AgentCore(
        AgentSettings(
            cluster_name=spec["cluster"],
            master_address=spec["address"],
            token=spec["token"],
            plaintext=True,
            heartbeat_interval_s=1.0,
            reconnect_initial_s=0.05,
            reconnect_max_s=0.5,
            shutdown_grace_s=2.0,
        )
    )
    access = KubeAccess.from_files(kubeconfig=Path(spec["kubeconfig"]), context="agent")
    stop = asyncio.Event()

    async def connected(req: dict[str, Any]) -> dict[str, Any]:
        return {"connected": await until(core.uplink.connected.is_set, within=req["timeout"])}

    async def api_times(req: dict[str, Any]) -> dict[str, Any]:
        taken = dict(kube.api_s)
        kube.api_s.clear()
        return {"api_s": taken}

    try:
        async with access, asyncio.TaskGroup() as tg:
            kube = TimedKube(access)
            core.executor.attach_kube(kube)
            tg.create_task(core.uplink.run(stop), name="uplink")
            tg.create_task(core.executor.run(stop), name="executor")
            await serve_ops(conn, {"connected": connected, "api_times": api_times})
            stop.set()
    finally:
        core.close()
