"""Real proxies for the SLO tests: HAProxy 2.6 and Caddy 2.6 from Debian (scripts/system-deps.sh),
each started on free 127.0.0.1 ports with its config in ``tmp_path``, in front of a local
aiohttp backend whose status codes and delays the test chooses.

Missing binaries skip locally; under ``CI=true`` they fail, because CI installs them."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.required import unavailable

STARTUP_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        unavailable(binary, f"{binary} is not installed (scripts/system-deps.sh installs it)")
    return path


async def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while loop.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"proxy exited with {proc.returncode}")
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        w.close()
        await w.wait_closed()
        return
    raise TimeoutError(f"nothing listening on {port} after {STARTUP_TIMEOUT_S} s")


def start(
    cmd: list[str], *, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _handle(request: web.Request) -> web.Response:
    delay = float(request.query.get("delay", "0"))
    if delay:
        await asyncio.sleep(delay)
    return web.Response(status=int(request.query.get("status", "200")), text="ok\n")


@pytest.fixture
async def backend() -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_get("/{tail:.*}", _handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield port
    finally:
        await runner.cleanup()


@pytest.fixture
def haproxy_bin() -> str:
    return require("haproxy")


@pytest.fixture
def caddy_bin() -> str:
    return require("caddy")
