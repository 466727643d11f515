"""A typed client for the pinned real Toxiproxy (built by scripts/toxiproxy.sh from the Go
module proxy, cached outside the repository): a TCP proxy between two of our processes that
injects latency, bandwidth limits, tiny segments, silent links, resets and partitions.

``running_toxiproxy`` starts the server on a free loopback port and yields a ``Toxiproxy``;
``proxy`` makes a listen -> upstream proxy on another free port and yields a ``Proxy`` whose
``toxic``/``remove``/``disable``/``enable`` drive its HTTP API. Never builds: that is the
script's job, run by ``make test-bins``.

Missing binary: a skip on a developer's machine, a failure under ``CI=true`` (CI builds it, so
its absence means a setup step broke)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from tests.required import built, require_built

Stream = Literal["upstream", "downstream"]


def find_toxiproxy() -> Path | None:
    return built("toxiproxy.sh", "toxiproxy-server")


def require_toxiproxy() -> Path:
    """The binary, or a skip (a failure under CI=true)."""
    return require_built("toxiproxy", "toxiproxy.sh", "toxiproxy-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- toxics: each is its type's attributes, as Toxiproxy's API names them -----------------------


@dataclass(frozen=True, slots=True)
class Latency:
    """Every chunk delayed by ``latency_ms`` ± ``jitter_ms``."""

    latency_ms: int
    jitter_ms: int = 0
    type: str = "latency"

    def attributes(self) -> dict[str, int]:
        return {"latency": self.latency_ms, "jitter": self.jitter_ms}


@dataclass(frozen=True, slots=True)
class Bandwidth:
    """At most ``rate_kb_s`` KB per second."""

    rate_kb_s: int
    type: str = "bandwidth"

    def attributes(self) -> dict[str, int]:
        return {"rate": self.rate_kb_s}


@dataclass(frozen=True, slots=True)
class Slicer:
    """Data cut into segments of about ``average_size`` bytes, ``delay_us`` apart."""

    average_size: int
    size_variation: int = 0
    delay_us: int = 0
    type: str = "slicer"

    def attributes(self) -> dict[str, int]:
        return {
            "average_size": self.average_size,
            "size_variation": self.size_variation,
            "delay": self.delay_us,
        }


@dataclass(frozen=True, slots=True)
class Timeout:
    """No data passes (it is dropped); the connection is closed after ``timeout_ms``, or never
    while the toxic stays when 0: a link gone silent."""

    timeout_ms: int = 0
    type: str = "timeout"

    def attributes(self) -> dict[str, int]:
        return {"timeout": self.timeout_ms}


@dataclass(frozen=True, slots=True)
class ResetPeer:
    """Each connection is reset (TCP RST) ``timeout_ms`` after it opened (0: at once)."""

    timeout_ms: int = 0
    type: str = "reset_peer"

    def attributes(self) -> dict[str, int]:
        return {"timeout": self.timeout_ms}


Toxic = Latency | Bandwidth | Slicer | Timeout | ResetPeer


class ToxiproxyError(RuntimeError):
    pass


def _ok(r: httpx.Response) -> httpx.Response:
    if r.is_error:
        raise ToxiproxyError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text}")
    return r


@dataclass
class Proxy:
    name: str
    listen: str  # host:port that clients dial instead of the upstream
    upstream: str
    _http: httpx.AsyncClient

    async def toxic(
        self, name: str, toxic: Toxic, *, stream: Stream = "downstream", toxicity: float = 1.0
    ) -> None:
        """Add ``toxic`` on one direction (downstream: upstream -> client, toward the dialer)."""
        body = {
            "name": name,
            "type": toxic.type,
            "stream": stream,
            "toxicity": toxicity,
            "attributes": toxic.attributes(),
        }
        _ok(await self._http.post(f"/proxies/{self.name}/toxics", json=body))

    async def both(self, name: str, toxic: Toxic) -> None:
        """The same toxic on both directions (named ``name-up`` and ``name-down``)."""
        await self.toxic(f"{name}-up", toxic, stream="upstream")
        await self.toxic(f"{name}-down", toxic, stream="downstream")

    async def remove(self, name: str) -> None:
        _ok(await self._http.delete(f"/proxies/{self.name}/toxics/{name}"))

    async def remove_all(self) -> None:
        for toxic in await self.toxics():
            await self.remove(toxic)

    async def toxics(self) -> list[str]:
        r = _ok(await self._http.get(f"/proxies/{self.name}/toxics"))
        return [str(t["name"]) for t in r.json()]

    async def disable(self) -> None:
        """A partition: open connections are closed and new ones refused."""
        _ok(await self._http.post(f"/proxies/{self.name}", json={"enabled": False}))

    async def enable(self) -> None:
        _ok(await self._http.post(f"/proxies/{self.name}", json={"enabled": True}))

    async def enabled(self) -> bool:
        r = _ok(await self._http.get(f"/proxies/{self.name}"))
        return bool(r.json()["enabled"])


@dataclass
class Toxiproxy:
    base: str
    _http: httpx.AsyncClient

    async def version(self) -> str:
        return _ok(await self._http.get("/version")).text.strip()

    async def create(self, name: str, upstream: str, listen: str | None = None) -> Proxy:
        listen = listen or f"127.0.0.1:{free_port()}"
        body = {"name": name, "listen": listen, "upstream": upstream, "enabled": True}
        got = _ok(await self._http.post("/proxies", json=body)).json()
        return Proxy(str(got["name"]), str(got["listen"]), str(got["upstream"]), self._http)

    async def reset(self) -> None:
        """Every proxy enabled again and every toxic removed."""
        _ok(await self._http.post("/reset"))


@asynccontextmanager
async def running_toxiproxy(binary: Path, log: Path) -> AsyncIterator[Toxiproxy]:
    """A fresh Toxiproxy server on a free loopback port, stopped afterwards."""
    port = free_port()
    out = log.open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(binary), "-host", "127.0.0.1", "-port", str(port), stdout=out, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            async with asyncio.timeout(30):
                while True:
                    if proc.returncode is not None:
                        raise AssertionError(log.read_text())  # noqa: ASYNC240 -- it exited
                    try:
                        if (await http.get("/version")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.05)
            yield Toxiproxy(base, http)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        out.close()
