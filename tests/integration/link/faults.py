"""The rig of the link fault tests and of ``bench link_faults``: kubesim (a subprocess, with
pod churn), the master in-process (real gRPC, HTTP and SQLite), a real Toxiproxy between them
and ``lookout-agent`` as a subprocess dialing the proxy; the faults, and one fault's run
(``inflict``): the fault on while the cluster changes, then healed, then the seconds until the
cluster is connected, converged and drained again.

Timing is shortened where the property still shows: the master's reconnecting/offline delays
are 2 s / 5 s instead of 15 s / 60 s (heartbeats every 0.5 s instead of 5 s), so an 8 s cut
already passes through offline. The agent's reconnect backoff and keepalive are the product's
defaults: recovery after a reset storm or a partition is exactly what depends on them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import yaml

from master.datahub.cluster import ClusterState
from tests.harness import (
    API_TOKEN,
    RunningMaster,
    add_cluster,
    master_settings,
    running_master,
)
from tests.toxiproxy import (
    Bandwidth,
    Latency,
    Proxy,
    ResetPeer,
    Slicer,
    Timeout,
    Toxiproxy,
    free_port,
    running_toxiproxy,
)

CLUSTER = "edge"
NS = "default"
ADMIN = {"Authorization": "Bearer kubesim-admin"}
CONVERGE_TIMEOUT_S = 120.0  # eventual convergence only: no wall-clock bound on recovery


# -- the rig: kubesim, master, toxiproxy, agent ------------------------------------------------


@dataclass
class Rig:
    m: RunningMaster
    proxy: Proxy
    toxi: Toxiproxy
    sim: httpx.AsyncClient  # kubesim's API as admin
    http: httpx.AsyncClient  # the master's API
    statuses: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, status)

    @property
    def state(self) -> ClusterState:
        state = self.m.master.hub.cluster(CLUSTER)
        assert state is not None
        return state

    def status(self) -> str:
        return self.m.master.hub.status(self.state)

    def statuses_since(self, t: float) -> list[str]:
        """The distinct successive statuses seen from ``t`` on (the one in force at ``t`` first)."""
        seen: list[str] = []
        before = [s for at, s in self.statuses if at <= t]
        for s in before[-1:] + [s for at, s in self.statuses if at > t]:
            if not seen or seen[-1] != s:
                seen.append(s)
        return seen

    async def create_pod(self, name: str, *, fault: str = "") -> None:
        labels = {"app": "faults", **({"lookout.test/fault": fault} if fault else {})}
        body = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "labels": labels},
            "spec": {"containers": [{"name": "main", "image": "registry.local/faults:1.0"}]},
        }
        r = await self.sim.post(f"/api/v1/namespaces/{NS}/pods", json=body)
        assert r.status_code == 201, r.text

    async def delete_pod(self, name: str) -> None:
        r = await self.sim.delete(f"/api/v1/namespaces/{NS}/pods/{name}")
        assert r.status_code in (200, 202), r.text

    async def sim_pods(self) -> dict[tuple[str, str], int]:
        r = await self.sim.get("/api/v1/pods")
        r.raise_for_status()
        return {
            (p["metadata"]["namespace"], p["metadata"]["name"]): int(
                p["metadata"]["resourceVersion"]
            )
            for p in r.json()["items"]
        }

    def master_pods(self) -> dict[tuple[str, str], int]:
        return {
            key: int(res.resource_version)
            for key, res in self.state.resources.get("Pod", {}).items()
        }

    async def converged(self) -> bool:
        """The master's pods are kubesim's, each at least as new as kubesim had it just now."""
        want = await self.sim_pods()
        have = self.master_pods()
        return have.keys() == want.keys() and all(have[k] >= rv for k, rv in want.items())

    def drained(self) -> bool:
        """Every record the agent journaled is handled: its heartbeat reports an empty spool and
        the master's mark has reached what it handled."""
        st = self.state
        handled = [seq for _, seq in self.m.handled]
        return st.spool_depth == 0 and bool(handled) and st.hwm == max(handled)

    async def recovered(self) -> bool:
        return self.status() == "connected" and self.drained() and await self.converged()


async def until(check: Callable[[], Awaitable[bool]], *, what: str, timeout: float) -> float:
    """Poll ``check`` until it holds; returns the monotonic time it first held."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        await asyncio.sleep(0.1)
    return time.monotonic()


@contextlib.asynccontextmanager
async def _kubesim(tmp: Path) -> AsyncIterator[str]:
    out = tmp / "sim"
    log = (tmp / "kubesim.log").open("wb")
    sim = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kubesim", "--prefix", "t", "--pods", "30", "--nodes", "2",
        "--churn", "3", "--no-incidents", "--crash-interval", "1", "--out", str(out),
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    kubeconfig = out / "t-0.kubeconfig"
    try:
        deadline = time.monotonic() + 60
        while not kubeconfig.exists():
            assert sim.returncode is None, (tmp / "kubesim.log").read_text()
            assert time.monotonic() < deadline, "kubesim did not start"
            await asyncio.sleep(0.1)
        yield str(kubeconfig)
    finally:
        if sim.returncode is None:
            sim.terminate()
            try:
                await asyncio.wait_for(sim.wait(), 10)
            except TimeoutError:
                sim.kill()
                await sim.wait()
        log.close()


def _server(kubeconfig: str) -> str:
    doc: dict[str, Any] = yaml.safe_load(Path(kubeconfig).read_text())
    return str(doc["clusters"][0]["cluster"]["server"])


@contextlib.asynccontextmanager
async def rig(tmp: Path, binary: Path) -> AsyncIterator[Rig]:
    settings = master_settings(
        tmp / "m", reconnecting_after_s=2.0, offline_after_s=5.0, heartbeat_interval_s=0.5
    )
    token = await add_cluster(settings, CLUSTER)
    async with contextlib.AsyncExitStack() as stack:
        kubeconfig = await stack.enter_async_context(_kubesim(tmp))
        m = await stack.enter_async_context(running_master(settings))
        toxi = await stack.enter_async_context(running_toxiproxy(binary, tmp / "toxiproxy.log"))
        proxy = await toxi.create("link", upstream=m.address)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
        env.update(
            AGENT_CLUSTER_NAME=CLUSTER,
            AGENT_MASTER_ADDRESS=proxy.listen,  # through the proxy, never straight to the master
            AGENT_TOKEN=token,
            AGENT_PLAINTEXT="true",
            AGENT_HEARTBEAT_INTERVAL_S="0.5",  # the master's offline delays are shortened too
            AGENT_SHUTDOWN_GRACE_S="2",
            AGENT_METRICS_LISTEN="",
            AGENT_INTAKE__LISTEN=f"127.0.0.1:{free_port()}",
            AGENT_SOURCES__KUBECONFIG=kubeconfig,
        )
        agent_log = stack.enter_context((tmp / "agent.log").open("wb"))
        agent = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent", env=env, stdout=agent_log, stderr=subprocess.STDOUT
        )

        async def stop_agent() -> None:
            if agent.returncode is None:
                agent.terminate()
                try:
                    await asyncio.wait_for(agent.wait(), 15)
                except TimeoutError:
                    agent.kill()
                    await agent.wait()

        stack.push_async_callback(stop_agent)
        sim = await stack.enter_async_context(
            httpx.AsyncClient(base_url=_server(kubeconfig), headers=ADMIN, timeout=10)
        )
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{m.master.http_port}",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
                timeout=30,
            )
        )
        r = Rig(m, proxy, toxi, sim, http)

        async def watch_status() -> None:
            while True:
                if m.master.hub.cluster(CLUSTER) is not None:
                    s = r.status()
                    if not r.statuses or r.statuses[-1][1] != s:
                        r.statuses.append((time.monotonic(), s))
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch_status())
        stack.callback(watcher.cancel)

        async def agent_alive() -> bool:
            assert agent.returncode is None, (tmp / "agent.log").read_text()[-4000:]
            st = m.master.hub.cluster(CLUSTER)
            return st is not None and st.synced and r.status() == "connected"

        await until(agent_alive, what="the agent connected and synced", timeout=60)
        for i in range(3):
            await r.create_pod(f"old-{i}")
        await until(r.recovered, what="the first convergence", timeout=60)
        yield r


# -- the faults ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    seconds: float  # how long it stays on
    cuts: bool  # the link is down meanwhile: reconnecting -> offline -> connected expected

    async def on(self, proxy: Proxy) -> None:
        match self.name:
            case "latency":
                await proxy.both("f", Latency(500, jitter_ms=200))
            case "bandwidth":
                await proxy.both("f", Bandwidth(64))
            case "slicer":
                await proxy.both("f", Slicer(average_size=16, size_variation=8, delay_us=50))
            case "timeout":
                # Both ways silent, the connection kept open: only keepalive can tell.
                await proxy.both("f", Timeout(0))
            case "reset_peer":
                # Every connection, the open one and each redial, reset at once: the backoff
                # grows for the whole storm.
                await proxy.both("f", ResetPeer(0))
            case "partition":
                await proxy.disable()
            case _:
                raise AssertionError(self.name)

    async def off(self, proxy: Proxy) -> None:
        if self.name == "partition":
            await proxy.enable()
        else:
            await proxy.remove_all()


FAULTS = [
    Fault("latency", 8, cuts=False),
    Fault("bandwidth", 8, cuts=False),
    Fault("slicer", 8, cuts=False),
    Fault("timeout", 10, cuts=True),
    # The storm: 20 s of resets, long enough for an unreset backoff to grow past 10 s.
    Fault("reset_peer", 20, cuts=True),
    # 20 s, not the 60 s: with offline after 5 s here, 20 s is four offline delays,
    # and the agent's backoff would have reached its cap well before.
    Fault("partition", 20, cuts=True),
]


@dataclass(frozen=True)
class Inflicted:
    started: float  # monotonic: the fault went on
    healed: float  # monotonic: the fault went off
    recovery_s: float  # heal -> connected, converged and drained
    handled_before: int  # journal records handled before the fault


async def inflict(r: Rig, fault: Fault) -> Inflicted:
    """``fault`` on for its ``seconds`` while the cluster keeps changing — pods created and
    deleted (mirror deltas), a crash-looping pod (a finding per crash: journal records) and
    kubesim's churn — then healed; returns once the cluster recovered."""
    handled_before = len(r.m.handled)
    started = time.monotonic()
    await fault.on(r.proxy)
    await r.create_pod(f"{fault.name}-crash", fault="crashloop")
    for i in range(3):
        await r.delete_pod(f"old-{i}")
    step = fault.seconds / 5
    for i in range(5):
        await r.create_pod(f"{fault.name}-{i}")
        await asyncio.sleep(step)
    if fault.cuts:
        assert r.status() == "offline", r.statuses_since(started)
    healed = time.monotonic()
    await fault.off(r.proxy)
    done = await until(r.recovered, what=f"recovery after {fault.name}", timeout=CONVERGE_TIMEOUT_S)
    return Inflicted(started, healed, done - healed, handled_before)


def faults(names: list[str] | None = None, seconds: float | None = None) -> list[Fault]:
    """The named faults (all by default), each on for ``seconds`` when given."""
    chosen = [f for f in FAULTS if names is None or f.name in names]
    return [replace(f, seconds=seconds) for f in chosen] if seconds else chosen
