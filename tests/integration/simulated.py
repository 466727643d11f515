"""Peers for the integration tests that run the real agent process on kubesim: kubesim as a
subprocess (its kubeconfig once it serves) and the environment ``python -m agent`` runs with
against an in-process master."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.harness import agent_process_env


@contextlib.contextmanager
def kubesim(out: Path, *args: str) -> Iterator[Path]:
    """One simulated cluster (the demo's workloads, one node) until the block ends; yields its
    kubeconfig. ``args``: more ``python -m kubesim`` flags."""
    sim = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "--prefix", "t", "--pods", "0", "--nodes", "1",
         "--out", str(out), *args],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    path = out / "t-0.kubeconfig"
    try:
        deadline = time.monotonic() + 60
        while not path.exists():
            assert time.monotonic() < deadline, "kubesim did not start"
            time.sleep(0.1)
        yield path
    finally:
        sim.kill()
        sim.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def agent_env(*, address: str, token: str, kubeconfig: Path, spool: Path) -> dict[str, str]:
    """The environment of ``python -m agent`` for cluster ``edge`` (``agent_process_env``)."""
    return agent_process_env("edge", token, address, kubeconfig=kubeconfig, spool=spool)
