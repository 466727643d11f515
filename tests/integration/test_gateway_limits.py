"""Request body limits over real HTTP: refused with 413 before the master reads or parses them,
whoever sends them (no token needed to be refused, none needed to be protected)."""

from __future__ import annotations

import asyncio
import logging
import select
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
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


@dataclass
class _Upload:
    status: int = 0
    payload: dict[str, object] = field(default_factory=dict)
    sent: int = 0  # body bytes the client got out before the server hung up
    hung_up: bool = False


def _upload(port: int, *, path: str, chunked: bool) -> _Upload:
    """POST a 50 MB body without a token, streaming it while reading the answer, the way a
    client uploads. Plain sockets in a thread: the answer is read even if the server resets
    the connection right after sending it (asyncio streams would raise the reset first)."""
    framing = b"transfer-encoding: chunked" if chunked else b"content-length: %d" % BODY
    head = b"POST %s HTTP/1.1\r\nhost: master\r\ncontent-type: application/json\r\n%s\r\n\r\n"
    block = b"%x\r\n%s\r\n" % (len(_BLOCK), _BLOCK) if chunked else _BLOCK
    pieces = [block] * (BODY // len(_BLOCK)) + ([b"0\r\n\r\n"] if chunked else [])
    result = _Upload()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head % (path.encode(), framing))
        sock.setblocking(False)
        pending = memoryview(pieces.pop(0))
        while True:
            sending = bool(pending) and not result.hung_up
            readable, writable, _ = select.select([sock], [sock] if sending else [], [], 30)
            assert readable or writable, "the upload stalled"
            if readable:
                try:
                    data = sock.recv(1 << 16)
                except ConnectionResetError:
                    data = b""
                if not data:
                    result.hung_up = True
                    break
                received += data
                if _complete(received, result) and not sending:
                    break
            if writable and sending:
                try:
                    pending = pending[sock.send(pending) :]
                except OSError:  # BrokenPipeError, ConnectionResetError: the server hung up
                    result.hung_up = True
                    continue
                if not pending:
                    result.sent += len(_BLOCK)
                    pending = memoryview(pieces.pop(0) if pieces else b"")
    assert _complete(received, result), received[:200]
    return result


def _complete(received: bytes, result: _Upload) -> bool:
    """Whether ``received`` holds a whole answer (then parsed into ``result``)."""
    head, sep, body = received.partition(b"\r\n\r\n")
    if not sep:
        return False
    lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    if len(body) < int(headers.get("content-length", "0")):
        return False
    result.status = int(lines[0].split()[1])
    result.payload = orjson.loads(body) if body else {}
    return True


async def test_a_50_mb_unauthenticated_body_is_refused_unread_streamed_or_with_a_length(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        port = m.master.http_port
        before = _rss_bytes()
        for chunked in (False, True):
            up = await asyncio.to_thread(
                _upload, port, path="/api/v1/clusters/edge/commands", chunked=chunked
            )
            assert up.status == 413, (chunked, up)
            assert "exceeds" in str(up.payload["message"])
            # The server stopped reading and hung up: the upload was cut short, far below its
            # 50 MB (what got out is the limit plus what the two sockets' buffers hold).
            assert up.hung_up, chunked
            assert up.sent < BODY // 2, (chunked, up.sent)
            log.info("chunked=%s: %.1f MiB sent before the server hung up", chunked, up.sent / MiB)
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
            # /commands has no POST and so no limit of its own (POST /clusters now has one).
            r = await http.post("/api/v1/commands", content=chunks(65))
            assert r.status_code == 413
            assert r.json() == {
                "error": "too_large",
                "message": "request body exceeds 65536 bytes",
            }
            # Below the default, routing goes on as before (no POST on this path).
            r = await http.post("/api/v1/commands", content=chunks(63))
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
            assert f"exceeds {COMMAND_BODY_MAX}" in r.json()["message"]

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
