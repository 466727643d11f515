"""The product's processes as subprocesses of a test, each restartable on the same ports and
data directory after a SIGKILL.

Every process gets this checkout's interpreter and ``PYTHONPATH`` (the installed entry points
may belong to another tree) and appends its stderr to ``<tmp>/<name>.log``: a failing test
points at the log of the process that misbehaved, across all its restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[3]
API_TOKEN = "crash-api-token-0123456789abcdef"
ADMIN = {"Authorization": f"Bearer {API_TOKEN}"}
START_TIMEOUT_S = 90.0  # a cold interpreter on a loaded 2-CPU machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any process's settings, plus this checkout on the path."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_", "METRICS_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


class Proc:
    """One ``python -m <module>`` that can be started, SIGKILLed and started again."""

    def __init__(self, name: str, module: str, env: Mapping[str, str], logs: Path) -> None:
        self.name, self.module, self.env = name, module, dict(env)
        self.log_path = logs / f"{name}.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    def start(self, *args: str) -> None:
        assert not self.alive, f"{self.name} is already running"
        self._log = self.log_path.open("ab")
        self._log.write(f"--- start {self.starts + 1} ---\n".encode())
        self._log.flush()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def kill(self) -> None:
        """SIGKILL and reap: nothing of the process runs after this returns."""
        self._end(signal.SIGKILL)

    def stop(self) -> int:
        """SIGTERM and reap; the exit code."""
        return self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> int:
        proc, self._proc = self._proc, None
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    def exited_unexpectedly(self) -> bool:
        return self._proc is not None and self._proc.poll() is not None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


Check = Callable[[], bool | Awaitable[bool]]


async def until(check: Check, *, what: str, timeout: float = START_TIMEOUT_S) -> None:
    """Poll ``check`` (sync or async) until it holds; fail naming ``what`` past ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if not isinstance(got, bool):
            got = await got
        if got:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


class Kubesim(Proc):
    def __init__(self, tmp: Path, *, pods: int = 6, nodes: int = 2) -> None:
        super().__init__("kubesim", "kubesim", clean_env(), tmp)
        self.out = tmp / "sim"
        self.args = ["--prefix", "t", "--pods", str(pods), "--nodes", str(nodes)]
        self.args += ["--churn", "2", "--crash-interval", "2", "--out", str(self.out)]
        self.kubeconfig = self.out / "t-0.kubeconfig"
        self.nodes = [f"t-0-node-{i}" for i in range(nodes)]

    async def up(self) -> None:
        self.start(*self.args)
        await until(self.kubeconfig.exists, what="kubesim's kubeconfig")

    def server(self) -> str:
        for line in self.kubeconfig.read_text().splitlines():
            if "server:" in line:
                return line.split("server:", 1)[1].strip()
        raise AssertionError("no server in kubesim's kubeconfig")

    def get(self, path: str) -> dict[str, object]:
        """A GET as kubesim's admin (the test's view of the API server, not the agent's)."""
        r = httpx.get(
            self.server() + path, headers={"Authorization": "Bearer kubesim-admin"}, timeout=10
        )
        r.raise_for_status()
        body: dict[str, object] = r.json()
        return body


class Master(Proc):
    """``python -m master`` on a SQLite store in ``<tmp>/data``, same ports at every start."""

    def __init__(self, tmp: Path, *, alert_config: Path | None = None, **extra: str) -> None:
        self.data = tmp / "data"
        self.http = f"127.0.0.1:{free_port()}"
        self.grpc = f"127.0.0.1:{free_port()}"
        env = clean_env(
            MASTER_DATA_DIR=str(self.data),
            MASTER_GRPC_PLAINTEXT="true",
            MASTER_API_TOKEN=API_TOKEN,
            MASTER_GRPC_LISTEN=self.grpc,
            MASTER_HTTP_LISTEN=self.http,
            MASTER_METRICS_LISTEN="",
            MASTER_HEARTBEAT_INTERVAL_S="1",
            MASTER_SHUTDOWN_GRACE_S="3",
            **extra,
        )
        if alert_config is not None:
            env.update(
                MASTER_ALERTS__CONFIG_FILE=str(alert_config),
                MASTER_ALERTS__RETRY_BASE_S="0.05",
                MASTER_ALERTS__RETRY_CAP_S="0.5",
            )
        super().__init__("master", "master", env, tmp)
        self.base = f"http://{self.http}"

    @property
    def db(self) -> Path:
        return self.data / "lookout.db"

    async def add_cluster(self, name: str) -> str:
        """The agent token, from the CLI (async: the store may sit behind this loop's relay)."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "master", "cluster", "add", name,
            env=self.env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return out.decode().strip()

    async def up(self) -> None:
        self.start()
        await until(self.ready, what="the master's /readyz")

    async def ready(self) -> bool:
        if self.exited_unexpectedly():
            raise AssertionError(f"master exited:\n{self.log_text()[-3000:]}")
        try:
            async with httpx.AsyncClient(timeout=2) as http:
                return (await http.get(self.base + "/readyz")).status_code == 200
        except httpx.TransportError:
            return False


class Agent(Proc):
    """``python -m agent`` against kubesim with its spool on disk, metrics on a known port."""

    def __init__(self, tmp: Path, *, master: Master, token: str, kubeconfig: Path) -> None:
        self.intake = f"127.0.0.1:{free_port()}"
        self.metrics = f"127.0.0.1:{free_port()}"
        self.spool = tmp / "spool" / "spool.bin"
        env = clean_env(
            AGENT_CLUSTER_NAME="edge",
            AGENT_MASTER_ADDRESS=master.grpc,
            AGENT_TOKEN=token,
            AGENT_PLAINTEXT="true",
            AGENT_HEARTBEAT_INTERVAL_S="1",
            AGENT_RECONNECT_INITIAL_S="0.05",
            AGENT_RECONNECT_MAX_S="0.5",
            AGENT_RECONNECT_REFUSED_MAX_S="0.5",
            AGENT_SHUTDOWN_GRACE_S="3",
            AGENT_DELTA_WINDOW_S="0.1",
            AGENT_INTAKE__LISTEN=self.intake,
            AGENT_METRICS_LISTEN=self.metrics,
            AGENT_SOURCES__KUBECONFIG=str(kubeconfig),
            AGENT_SPOOL_PATH=str(self.spool),
        )
        super().__init__("agent", "agent", env, tmp)

    async def outbox(self) -> dict[str, float] | None:
        """The agent's ``lookout_agent_outbox_*`` gauges, or None while it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=2) as http:
                text = (await http.get(f"http://{self.metrics}/metrics")).text
        except httpx.TransportError:
            return None
        out: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("lookout_agent_outbox_"):
                name, value = line.rsplit(" ", 1)
                out[name.removeprefix("lookout_agent_outbox_")] = float(value)
        return out or None


class MetricsDaemon(Proc):
    def __init__(self, tmp: Path, *, agent: Agent, node: str) -> None:
        env = clean_env(
            METRICS_NODE_NAME=node,
            METRICS_AGENT_ADDRESS=agent.intake,
            METRICS_INTERVAL_S="1",
            METRICS_RETRY_INITIAL_S="0.2",
            METRICS_RETRY_MAX_S="1",
        )
        super().__init__("metrics-daemon", "metrics_daemon", env, tmp)
        self.node = node
