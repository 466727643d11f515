"""The peers of ``bench.commands``: the Kubernetes backend (kubesim or a real control plane
with kwok) and the master, each as its own process, stopped on exit.

A backend hands out two kubeconfigs: the admin's (sets up workloads, reads outcomes) and the
agent's (the least-privilege identity the executor uses). kubesim writes one file with both
contexts; the control plane of ``tests/k8s`` writes one file per identity."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from master.app import open_store
from master.clusters import tokens
from master.settings import MasterSettings

API_TOKEN = "bench-api-token-0123456789abcdef"


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    admin_kubeconfig: Path
    agent_kubeconfig: Path
    pids: tuple[int, ...]  # its processes, whose CPU the benchmark charges to the commands


class Simulator:
    """``python -m kubesim`` with one cluster, five nodes, no pods, no incidents."""

    def __init__(self, out: Path) -> None:
        self.log = (out / "kubesim.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kubesim", "--clusters", "1", "--pods", "0", "--nodes", "5",
             "--no-incidents", "--out", str(out), "--start-delay", "0.2", "--prefix", "bench"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip
        self.kubeconfig = out / "bench-0.kubeconfig"
        deadline = time.monotonic() + 60
        while not self.kubeconfig.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"kubesim did not start (see {out / 'kubesim.log'})")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@contextlib.contextmanager
def simulator(root: Path) -> Iterator[Backend]:
    sim = Simulator(root)
    try:
        yield Backend("kubesim", sim.kubeconfig, sim.kubeconfig, (sim.proc.pid,))
    finally:
        sim.stop()


@contextlib.contextmanager
def control_plane(root: Path) -> Iterator[Backend]:
    """The tests' real control plane (etcd, kube-apiserver, controller-manager, scheduler,
    kwok) from the cached binaries; ``RuntimeError`` when they are not built."""
    from tests.k8s.controlplane import ControlPlane  # the test harness, only when asked for
    from tests.k8s.harness import find_bin_dir

    bin_dir, reason = find_bin_dir()
    if bin_dir is None:
        raise RuntimeError(f"no Kubernetes binaries ({reason}); run scripts/k8s-bins.sh")
    cp = ControlPlane(bin_dir=bin_dir, workdir=root / "k8s", nodes=3)
    cp.start()
    try:
        pids = tuple(c.proc.pid for c in cp.components)
        yield Backend("kube-apiserver", cp.admin_kubeconfig, cp.agent_kubeconfig, pids)
    finally:
        cp.stop()


def control_plane_missing() -> str:
    """Why the real control plane cannot start here ("" when its binaries are built)."""
    from tests.k8s.harness import find_bin_dir

    bin_dir, reason = find_bin_dir()
    return "" if bin_dir is not None else reason


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def register_cluster(settings: MasterSettings, name: str) -> str:
    """Add cluster ``name`` to the (not yet started) master's store; its agent token."""
    store = await open_store(settings)
    try:
        issued = tokens.issue()
        await store.clusters.add(
            name, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=1
        )
        return issued.token
    finally:
        await store.close()


class MasterProcess:
    """``python -m master`` on loopback ports, plaintext gRPC, the bench's API token."""

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        self.grpc_port, self.http_port = free_port(), free_port()
        self._env = env or {}
        self.settings = MasterSettings(
            data_dir=root / "master", grpc_listen=f"127.0.0.1:{self.grpc_port}",
            http_listen=f"127.0.0.1:{self.http_port}", grpc_plaintext=True, api_token=API_TOKEN,
            heartbeat_interval_s=1.0, shutdown_grace_s=2.0,
        )  # fmt: skip
        self._log = (root / "master.log").open("wb")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "PYTHONWARNINGS": "ignore",
            "MASTER_DATA_DIR": str(self.settings.data_dir),
            "MASTER_GRPC_LISTEN": self.settings.grpc_listen,
            "MASTER_HTTP_LISTEN": self.settings.http_listen,
            "MASTER_GRPC_PLAINTEXT": "true",
            "MASTER_API_TOKEN": API_TOKEN,
            "MASTER_HEARTBEAT_INTERVAL_S": "1",
            "MASTER_METRICS_LISTEN": "",
            **self._env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "master"], env=env, stdout=self._log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the master is not started")
        return self.proc.pid

    async def ready(self, timeout_s: float = 60.0) -> None:
        url = f"http://127.0.0.1:{self.http_port}/readyz"
        async with aiohttp.ClientSession() as s, asyncio.timeout(timeout_s):
            while True:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError("the master exited (see master.log)")
                try:
                    async with s.get(url) as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
