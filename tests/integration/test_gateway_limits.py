"""Request body limits over real HTTP: refused with 413 before the master reads or parses them,
whoever sends them (no token needed to be refused, none needed to be protected)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson

from tests.harness import API_TOKEN, add_cluster, master_settings, running_master

log = logging.getLogger(__name__)

MiB = 1024 * 1024
BODY = 50 * MiB
_BLOCK = b"x" * (64 * 1024)


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


async def _upload(port: int, *, path: str, chunked: bool) -> tuple[int, dict[str, object], int]:
    """POST a 50 MB body without a token, the way a client streams it; returns the status,
    the JSON answer and how many body bytes the client managed to send before the server
    closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = b"transfer-encoding: chunked" if chunked else b"content-length: %d" % BODY
    writer.write(
        b"POST %s HTTP/1.1\r\nhost: master\r\ncontent-type: application/json\r\n%s\r\n\r\n"
        % (path.encode(), framing)
    )
    sent = 0

    async def pump() -> None:
        nonlocal sent
        try:
            while sent < BODY:
                writer.write(b"%x\r\n%s\r\n" % (len(_BLOCK), _BLOCK) if chunked else _BLOCK)
                await writer.drain()
                sent += len(_BLOCK)
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except OSError:  # ConnectionResetError, BrokenPipeError: the server hung up
            pass

    pumping = asyncio.create_task(pump())
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
        payload = orjson.loads(await reader.readexactly(int(headers["content-length"])))
        assert headers.get("connection") == "close"
        await asyncio.wait_for(pumping, 30)  # ends once the server closed the connection
    finally:
        pumping.cancel()
        writer.close()
    return status, payload, sent


async def test_a_50_mb_unauthenticated_body_is_refused_unread_streamed_or_with_a_length(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        port = m.master.http_port
        before = _rss_bytes()
        for chunked in (False, True):
            status, payload, sent = await _upload(
                port, path="/api/v1/clusters/edge/commands", chunked=chunked
            )
            assert status == 413, (chunked, status, payload)
            assert "exceeds" in str(payload["error"])
            # The server stopped reading: the upload was cut short, far below its 50 MB (what
            # got through is the limit plus the two sockets' buffers).
            assert sent < BODY // 2, (chunked, sent)
        growth = _rss_bytes() - before
        log.info("RSS growth over two 50 MB bodies: %.1f MiB", growth / MiB)
        assert growth < 20 * MiB


async def test_the_master_wide_default_applies_where_a_route_declares_no_limit(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m", http_body_max_kib=64)
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"

        async def chunks(n: int) -> AsyncIterator[bytes]:
            for _ in range(n):
                yield b"y" * 1024

        async with httpx.AsyncClient(base_url=base) as http:
            r = await http.post("/api/v1/clusters", content=chunks(65))
            assert r.status_code == 413
            assert r.json() == {"error": "request body exceeds 65536 bytes"}
            # Below the default, routing goes on as before (no POST on this path).
            r = await http.post("/api/v1/clusters", content=chunks(63))
            assert r.status_code == 405


async def test_a_command_body_has_its_own_smaller_limit_and_small_bodies_pass(
    tmp_path: Path,
) -> None:
    from master.gateway.routes.commands import COMMAND_BODY_MAX

    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}/api/v1"
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        command = {
            "type": "describe",
            "target": {"kind": "Pod", "namespace": "shop", "name": "web-0"},
        }
        async with httpx.AsyncClient(base_url=base, headers=auth) as http:
            big = {**command, "params": {"pad": "z" * COMMAND_BODY_MAX}}
            r = await http.post("/clusters/edge/commands", json=big)
            assert r.status_code == 413
            assert f"exceeds {COMMAND_BODY_MAX}" in r.json()["error"]

            r = await http.post("/clusters/edge/commands", json=command)
            assert r.status_code == 202, r.text

            async def streamed() -> AsyncIterator[bytes]:
                yield orjson.dumps({**command, "idempotency_key": "k"})

            # A chunked body under the limit reaches the route whole.
            r = await http.post(
                "/clusters/edge/commands",
                content=streamed(),
                headers={"content-type": "application/json"},
            )
            assert r.status_code == 202, r.text
            assert r.json()["idempotency_key"] == "k"
