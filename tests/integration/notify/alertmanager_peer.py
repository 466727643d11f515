"""The pinned real Alertmanager (built by scripts/alertmanager.sh from the Go module proxy,
cached outside the repository), started on loopback with a minimal config and a temporary
storage path. Never builds: that is the script's job, run by ``make test-bins``.

Missing binary: a skip on a developer's machine, a failure under ``CI=true`` (CI builds it, so
its absence means a setup step broke)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tests.required import require_built

CONFIG = """\
route:
  receiver: nowhere
  group_by: [cluster, namespace, owner]
receivers:
  - name: nowhere
"""


@pytest.fixture(scope="session")
def alertmanager_bin() -> Path:
    return require_built("alertmanager", "alertmanager.sh", "alertmanager")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def running_alertmanager(binary: Path, tmp: Path) -> AsyncIterator[str]:
    """Yields the base URL of a fresh Alertmanager; stops it afterwards."""
    (tmp / "alertmanager.yml").write_text(CONFIG)
    port = _free_port()
    log = (tmp / "alertmanager.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(binary),
        f"--config.file={tmp / 'alertmanager.yml'}",
        f"--storage.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",  # no gossip: a single instance
        "--log.level=warn",
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as client, asyncio.timeout(60):
            while True:
                if proc.returncode is not None:
                    raise AssertionError((tmp / "alertmanager.log").read_text())
                try:
                    if (await client.get(f"{base}/-/ready")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield base
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()
