"""A ``lookout demo``-style fleet for page tests: kubesim serving two simulated clusters with
the scripted incidents (``python -m kubesim``, as the demo starts it), the master in-process
(real gRPC, HTTP and SQLite) serving the real dashboard build, and one ``lookout-agent``
process per cluster — the product's entry point and environment, as an operator starts it.

``Fleet.kube(cluster)`` talks to a simulated cluster's API as its admin, so a test can change
the cluster under the open page and read back what an action did there."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from playwright.async_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD
from tests.harness import API_TOKEN, RunningMaster, add_cluster, master_settings, running_master

BIN = Path(sys.executable).parent
CLUSTERS = ("demo-0", "demo-1")
DEMO_NS = "lookout-demo"  # kubesim/incidents.py: the scripted incidents' namespace
KUBESIM_ADMIN = "kubesim-admin"  # kubesim's admin context token (kubesim/cluster.py)
FAULT_LABEL = "lookout.test/fault"  # kubesim/kinds.py: crashloop | oomkilled | imagepull


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _clean_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_", "METRICS_"))
    }


async def until(check: Any, *, what: str, timeout: float = 60.0) -> None:
    """Await ``check()`` (async, bool) until it holds; bounded, for non-page state."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


@dataclass
class Fleet:
    master: RunningMaster
    base_url: str
    kubeconfigs: dict[str, Path]
    agents: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)

    def api(self) -> httpx.AsyncClient:
        """The master's API with the harness's break-glass token (setup and checks only)."""
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {API_TOKEN}"},
            timeout=30,
        )

    def kube(self, cluster: str) -> httpx.AsyncClient:
        doc = yaml.safe_load(self.kubeconfigs[cluster].read_text())
        server = doc["clusters"][0]["cluster"]["server"]
        return httpx.AsyncClient(
            base_url=server, headers={"Authorization": f"Bearer {KUBESIM_ADMIN}"}, timeout=30
        )

    async def stop_agent(self, cluster: str) -> None:
        proc = self.agents[cluster]
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)


def _log_tails(tmp_path: Path, lines: int = 30) -> str:
    """The last lines of every process log the fleet wrote, for a failure message."""
    out = []
    for log in sorted(tmp_path.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        out.append(f"--- {log.name} ---\n" + "\n".join(tail))
    return "\n".join(out)


@contextlib.asynccontextmanager
async def running_fleet(
    tmp_path: Path,
    *,
    dashboard_dir: Path,
    jwt_secret: str,
    admin_password: str,
    pods: int = 24,
    agent_env: dict[str, str] | None = None,
) -> AsyncIterator[Fleet]:
    """``agent_env``: extra environment for every agent (e.g. a short pod-metrics interval)."""
    out = tmp_path / "kubeconfigs"
    logs = contextlib.ExitStack()  # every process's stderr in tmp_path, closed at the end
    sim = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kubesim", "--clusters", str(len(CLUSTERS)), "--prefix", "demo",
        "--pods", str(pods), "--nodes", "3", "--churn", "0", "--crash-interval", "2",
        "--start-delay", "0.1", "--out", str(out), "--log-level", "WARNING",
        stdout=subprocess.DEVNULL,
        stderr=logs.enter_context((tmp_path / "kubesim.log").open("wb")),
    )  # fmt: skip
    agents: dict[str, asyncio.subprocess.Process] = {}
    try:
        kubeconfigs = {c: out / f"{c}.kubeconfig" for c in CLUSTERS}
        deadline = time.monotonic() + 90
        while not all(p.exists() for p in kubeconfigs.values()):
            assert sim.returncode is None, (
                f"kubesim exited: {(tmp_path / 'kubesim.log').read_text()}"
            )
            assert time.monotonic() < deadline, "kubesim did not come up"
            await asyncio.sleep(0.1)
        settings = master_settings(
            tmp_path / "m",
            jwt_secret=jwt_secret,
            bootstrap_admin_password=admin_password,
            dashboard_dir=dashboard_dir,
            reconnecting_after_s=2.0,
            offline_after_s=6.0,
        )
        tokens = {c: await add_cluster(settings, c) for c in CLUSTERS}
        async with running_master(settings) as m:
            # The bootstrap admin's first-login password change is the login tests' business
            # (tests/integration); here the admin has done it.
            await m.master.store.users.update("admin", must_change=False)
            fleet = Fleet(m, f"http://127.0.0.1:{m.master.http_port}", kubeconfigs, agents)
            for c in CLUSTERS:
                env = _clean_env() | {
                    "AGENT_CLUSTER_NAME": c,
                    "AGENT_MASTER_ADDRESS": m.address,
                    "AGENT_TOKEN": tokens[c],
                    "AGENT_PLAINTEXT": "true",
                    "AGENT_HEARTBEAT_INTERVAL_S": "0.5",
                    "AGENT_RECONNECT_INITIAL_S": "0.05",
                    "AGENT_RECONNECT_MAX_S": "0.5",
                    "AGENT_SHUTDOWN_GRACE_S": "2",
                    "AGENT_SPOOL_PATH": str(tmp_path / f"{c}.spool"),
                    "AGENT_SOURCES__KUBECONFIG": str(kubeconfigs[c]),
                    "AGENT_INTAKE__LISTEN": f"127.0.0.1:{_free_port()}",
                    "AGENT_METRICS_LISTEN": "127.0.0.1:0",
                }
                env |= agent_env or {}
                agents[c] = await asyncio.create_subprocess_exec(
                    str(BIN / "lookout-agent"),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=logs.enter_context((tmp_path / f"agent-{c}.log").open("wb")),
                )
            async with fleet.api() as http:
                seen: list[str] = []

                async def connected() -> bool:
                    r = await http.get("/api/v1/clusters")
                    items: list[dict[str, Any]] = r.json()["items"]
                    seen[:] = [f"{i['name']}={i['status']}" for i in items]
                    up = [i for i in items if i["status"] == "connected"]
                    return len(up) == len(CLUSTERS)

                try:
                    await until(connected, what="both agents connected", timeout=90)
                except AssertionError as e:  # say why: the statuses and each process's log
                    raise AssertionError(
                        f"{e}; last statuses {seen}; exits "
                        f"{ {c: p.returncode for c, p in agents.items()} }\n" + _log_tails(tmp_path)
                    ) from None
            yield fleet
            for proc in agents.values():
                if proc.returncode is None:
                    proc.terminate()
            for proc in agents.values():
                try:
                    await asyncio.wait_for(proc.wait(), 15)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
    finally:
        for proc in agents.values():
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        sim.terminate()
        try:
            await asyncio.wait_for(sim.wait(), 15)
        except TimeoutError:
            sim.kill()
            await sim.wait()
        logs.close()


async def log_in(page: Page, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Fleet overview")).to_be_visible()


async def a_node(fleet: Fleet, cluster: str) -> str:
    async with fleet.kube(cluster) as kube:
        items = (await kube.get("/api/v1/nodes")).json()["items"]
    names: list[str] = sorted(n["metadata"]["name"] for n in items)
    return names[0]
