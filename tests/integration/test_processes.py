"""The real entry points as subprocesses: token CLI, start-up refusals, SIGTERM shutdown."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.harness import API_TOKEN
from tests.required import unavailable

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _master_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    env.update(
        MASTER_DATA_DIR=str(tmp / "data"),
        MASTER_GRPC_PLAINTEXT="true",
        MASTER_API_TOKEN=API_TOKEN,
        MASTER_GRPC_LISTEN=f"127.0.0.1:{_free_port()}",
        MASTER_HTTP_LISTEN=f"127.0.0.1:{_free_port()}",
        MASTER_SHUTDOWN_GRACE_S="3",
    )
    env.update(extra)
    return env


def test_cluster_cli_issues_lists_rotates_and_revokes_tokens(tmp_path: Path) -> None:
    env = _master_env(tmp_path)
    cli = [str(BIN / "lookout-master"), "cluster"]
    add = subprocess.run([*cli, "add", "edge-1"], env=env, capture_output=True, text=True)
    assert add.returncode == 0, add.stderr
    token = add.stdout.strip()
    assert token.startswith("lkt_") and "shown only once" in add.stderr
    again = subprocess.run([*cli, "add", "edge-1"], env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "exists" in again.stderr
    rotated = subprocess.run([*cli, "rotate", "edge-1"], env=env, capture_output=True, text=True)
    assert rotated.returncode == 0 and rotated.stdout.strip() != token
    listed = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True)
    assert listed.stdout.startswith("edge-1\tactive")
    subprocess.run([*cli, "revoke", "edge-1"], env=env, check=True, capture_output=True)
    listed = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True)
    assert listed.stdout.startswith("edge-1\trevoked")
    # The token itself never reaches the database.
    db = (tmp_path / "data" / "lookout.db").read_bytes()
    assert token.split("_", 2)[2].encode() not in db


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"MASTER_API_TOKEN": "changeme"}, "MASTER_API_TOKEN must be set"),
        ({"MASTER_GRPC_PLAINTEXT": "false"}, "MASTER_TLS_CERT_FILE"),
    ],
)
def test_master_refuses_unsafe_settings(
    tmp_path: Path, overrides: dict[str, str], message: str
) -> None:
    env = _master_env(tmp_path, **overrides)
    r = subprocess.run([str(BIN / "lookout-master")], env=env, capture_output=True, text=True)
    assert r.returncode == 2
    assert message in r.stderr


def test_agent_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_")}
    env.update(AGENT_CLUSTER_NAME="edge", AGENT_MASTER_ADDRESS="127.0.0.1:1")
    r = subprocess.run([str(BIN / "lookout-agent")], env=env, capture_output=True, text=True)
    assert r.returncode == 2
    assert "AGENT_TOKEN" in r.stderr


def _wait_http(url: str, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_master_and_agent_processes_connect_and_stop_on_sigterm(tmp_path: Path) -> None:
    env = _master_env(tmp_path)
    token = subprocess.run(
        [str(BIN / "lookout-master"), "cluster", "add", "edge"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubesim",
            "--prefix",
            "t",
            "--pods",
            "5",
            "--nodes",
            "2",
            "--out",
            str(tmp_path / "sim"),
        ],
        stderr=subprocess.DEVNULL,
    )
    kubeconfig = tmp_path / "sim" / "t-0.kubeconfig"
    deadline = time.monotonic() + 60
    while not kubeconfig.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    master = subprocess.Popen([str(BIN / "lookout-master")], env=env, stderr=subprocess.PIPE)
    agent_env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    agent_env.update(
        AGENT_CLUSTER_NAME="edge",
        AGENT_MASTER_ADDRESS=env["MASTER_GRPC_LISTEN"],
        AGENT_TOKEN=token,
        AGENT_PLAINTEXT="true",
        AGENT_SHUTDOWN_GRACE_S="3",
        AGENT_INTAKE__LISTEN=f"127.0.0.1:{_free_port()}",
        AGENT_SOURCES__KUBECONFIG=str(kubeconfig),
    )
    agent = subprocess.Popen([str(BIN / "lookout-agent")], env=agent_env, stderr=subprocess.PIPE)
    try:
        base = f"http://{env['MASTER_HTTP_LISTEN']}"
        assert _wait_http(base + "/readyz").status_code == 200
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        deadline = time.monotonic() + 60
        status = ""
        while time.monotonic() < deadline and status != "connected":
            status = httpx.get(base + "/api/v1/clusters/edge", headers=auth).json()["status"]
            time.sleep(0.1)
        assert status == "connected"
        deadline = time.monotonic() + 60
        counts: dict[str, int] = {}
        while time.monotonic() < deadline and counts.get("Pod", 0) < 5:
            counts = httpx.get(base + "/api/v1/clusters/edge", headers=auth).json()[
                "resource_counts"
            ]
            time.sleep(0.2)
        assert counts.get("Pod", 0) >= 5, counts
        assert counts.get("Node") == 2
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=30) == 0
        master.send_signal(signal.SIGTERM)
        assert master.wait(timeout=30) == 0
        assert master.stderr is not None
        assert b"master stopped" in master.stderr.read()
    finally:
        for proc in (agent, master, sim):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()


def _grpcurl() -> str | None:
    found = shutil.which("grpcurl")
    if found:
        return found
    bin_dir = os.environ.get("LOOKOUT_K8S_BIN")
    if bin_dir and (Path(bin_dir) / "grpcurl").exists():
        return str(Path(bin_dir) / "grpcurl")
    return None


def test_grpcurl_lists_services_and_checks_health(tmp_path: Path) -> None:
    grpcurl = _grpcurl()
    if grpcurl is None:
        unavailable("grpcurl", "grpcurl not built: `make test` builds it with scripts/k8s-bins.sh")
    env = _master_env(tmp_path)
    master = subprocess.Popen([str(BIN / "lookout-master")], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://{env['MASTER_HTTP_LISTEN']}/readyz")
        addr = env["MASTER_GRPC_LISTEN"]
        listed = subprocess.run(
            [grpcurl, "-plaintext", addr, "list"], capture_output=True, text=True, timeout=20
        )
        assert "lookout.v1.AgentLink" in listed.stdout
        assert "grpc.health.v1.Health" in listed.stdout
        health = subprocess.run(
            [
                grpcurl,
                "-plaintext",
                "-d",
                '{"service": "lookout.v1.AgentLink"}',
                addr,
                "grpc.health.v1.Health/Check",
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert '"SERVING"' in health.stdout
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=10)


def test_agent_refuses_unknown_source_names_at_start_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_")}
    env.update(
        AGENT_CLUSTER_NAME="edge",
        AGENT_MASTER_ADDRESS="127.0.0.1:1",
        AGENT_TOKEN="lkt_x_" + "y" * 30,
        AGENT_SOURCES__KINDS_DISABLED='["Wombat"]',
    )
    r = subprocess.run([str(BIN / "lookout-agent")], env=env, capture_output=True, text=True)
    assert r.returncode == 2
    assert "unknown source names ['Wombat']" in r.stderr
