"""Helpers every benchmark shares: percentiles, the result table (figure beside its target),
per-process RSS/CPU read from ``/proc``, throw-away TLS material, spawned children answering
requests on a ``multiprocessing`` pipe (with an asyncio-friendly receive).

Deliberately owns no scenario: each ``bench/<area>.py`` decides what it measures. Linux only
(``/proc``); loopback only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import multiprocessing
import os
import platform
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from bench.results import Figure, judged, loop_ns, show

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
_CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- statistics --------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of ``values``; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# -- /proc readers ------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (VmRSS from /proc/<pid>/status)."""
    return _status_kib(pid, "VmRSS:") * 1024


def peak_rss_bytes(pid: int) -> int:
    """High-water resident set size of ``pid`` (VmHWM)."""
    return _status_kib(pid, "VmHWM:") * 1024


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds ``pid`` has used, all threads (/proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces; fields after its closing paren are fixed.
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLK_TCK


@dataclass(slots=True)
class CpuMeter:
    """CPU used by some processes over a wall-clock window, in millicores."""

    pids: tuple[int, ...]
    _cpu0: list[float] = field(default_factory=list)
    _t0: float = 0.0

    def start(self) -> None:
        self._cpu0 = [cpu_seconds(p) for p in self.pids]
        self._t0 = time.monotonic()

    def seconds(self) -> list[float]:
        """Per pid, CPU seconds used since ``start``."""
        return [cpu_seconds(p) - c0 for p, c0 in zip(self.pids, self._cpu0, strict=True)]

    def millicores(self) -> list[float]:
        """Per pid, CPU used since ``start`` divided by wall time, x1000."""
        wall = max(time.monotonic() - self._t0, 1e-9)
        return [used / wall * 1000 for used in self.seconds()]


# -- TLS ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path
    server_name: str = "localhost"


def make_tls(directory: Path) -> TlsFiles:
    """A throw-away CA and a server certificate for localhost/127.0.0.1 (trustme)."""
    import trustme

    ca = trustme.CA()
    server = ca.issue_cert("localhost", "127.0.0.1")
    files = TlsFiles(
        ca=directory / "ca.pem", cert=directory / "cert.pem", key=directory / "key.pem"
    )
    ca.cert_pem.write_to_path(str(files.ca))
    server.private_key_pem.write_to_path(str(files.key))
    server.cert_chain_pems[0].write_to_path(str(files.cert))
    for pem in server.cert_chain_pems[1:]:
        pem.write_to_path(str(files.cert), append=True)
    return files


# -- child-process plumbing ----------------------------------------------------------------------


async def receive(conn: Connection) -> Any:
    """Wait (without a thread, without blocking the loop) for the next object on ``conn``;
    callers bound the wait with ``asyncio.timeout``."""
    loop = asyncio.get_running_loop()
    if not conn.poll():
        ready: asyncio.Future[None] = loop.create_future()

        def _wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(conn.fileno(), _wake)
        try:
            await ready
        finally:
            loop.remove_reader(conn.fileno())
            # uvloop leaves a watched fd non-blocking, and this one also carries the replies:
            # a large one would then fail with EAGAIN instead of waiting for the parent.
            os.set_blocking(conn.fileno(), True)
    return conn.recv()


async def until(check: Callable[[], bool], *, within: float, every: float = 0.005) -> bool:
    """Poll ``check`` until it holds (True) or ``within`` seconds pass (False). For state that
    has no event to wait on (counters, other objects' flags)."""
    deadline = time.monotonic() + within
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


async def serve_ops(conn: Connection, handlers: dict[str, Handler]) -> None:
    """Answer requests until ``exit``; a failing op answers ``{"error": ...}`` and goes on."""
    while True:
        async with asyncio.timeout(900):  # the parent's longest op is far shorter
            req: dict[str, Any] = await receive(conn)
        op = req.get("op", "")
        if op == "exit":
            conn.send({})
            return
        try:
            conn.send(await handlers[op](req))
        except Exception as e:  # report to the parent rather than dying silently
            logging.getLogger(__name__).exception("op %s failed", op)
            conn.send({"error": f"{type(e).__name__}: {e}"})


def ask(conn: Connection, request: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Send ``request`` to a child and wait (bounded) for its reply dict."""
    conn.send(request)
    return expect(conn, timeout, what=str(request.get("op")))


def expect(conn: Connection, timeout: float, *, what: str) -> dict[str, Any]:
    if not conn.poll(timeout):
        raise TimeoutError(f"no reply to {what!r} within {timeout:.0f}s")
    reply: dict[str, Any] = conn.recv()
    if "error" in reply:
        raise RuntimeError(f"{what}: child failed: {reply['error']}")
    return reply


# -- child processes ------------------------------------------------------------------------------


@dataclass
class Child:
    """A spawned benchmark child and its end of the request pipe."""

    proc: BaseProcess
    conn: Connection

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        return ask(self.conn, request, timeout)


@contextlib.contextmanager
def children() -> Iterator[list[Child]]:
    """Children started into the yielded list are asked to exit (bounded), then killed by
    their own handle if still alive -- last started, first stopped."""
    started: list[Child] = []
    try:
        yield started
    finally:
        for child in reversed(started):
            with contextlib.suppress(TimeoutError, OSError, EOFError, RuntimeError):
                child.ask({"op": "exit"}, 30)
            child.proc.join(15)
            if child.proc.is_alive():
                child.proc.kill()
                child.proc.join(5)


def spawn(started: list[Child], name: str, target: Any, spec: dict[str, Any]) -> Child:
    ctx = multiprocessing.get_context("spawn")
    parent, child_end = ctx.Pipe()
    proc = ctx.Process(target=target, args=(child_end, spec), name=name)
    proc.start()
    child = Child(proc, parent)
    started.append(child)
    return child


# -- the result table -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    what: str
    figure: str
    target: str = ""
    ok: bool | None = None  # None: informational, no target
    note: str = ""


@dataclass(slots=True)
class Table:
    """Rows of ``what | figure | target | ok/MISS | note``, rendered as aligned plain text.
    Rows added with ``judge`` are also the bench's figures (``figures``): judged against a row
    of ``bench.targets``, recorded in the run's JSON."""

    title: str
    rows: list[Row] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def judge(
        self,
        key: str,
        what: str,
        value: float,
        shown: str = "",
        *,
        note: str = "",
        applies: bool = True,
        otherwise: bool = False,
    ) -> bool | None:
        """Add ``what`` = ``value`` (in the target's unit), judged against target ``key``;
        ``shown`` replaces the plain value in the printed row (e.g. "p50 / p99"). Returns the
        verdict. ``applies``/``otherwise``: see ``bench.results.judged``."""
        fig = judged(key, what, value, note=note, applies=applies, otherwise=otherwise)
        self.figures.append(fig)
        t = fig.target_row
        figure = shown or show(value, t.unit)
        self.rows.append(Row(what, figure, t.text(), fig.ok, note))
        return fig.ok

    def add(
        self, what: str, figure: str, target: str = "", ok: bool | None = None, note: str = ""
    ) -> None:
        self.rows.append(Row(what, figure, target, ok, note))

    def render(self) -> str:
        verdict = {True: "ok", False: "MISS", None: ""}
        cells = [("what", "figure", "target", "", "note")] + [
            (r.what, r.figure, r.target, verdict[r.ok], r.note) for r in self.rows
        ]
        widths = [max(len(c[i]) for c in cells) for i in range(5)]
        lines = [self.title, f"({machine()})"]
        for n, c in enumerate(cells):
            parts = [c[i].rjust(widths[i]) if i == 1 else c[i].ljust(widths[i]) for i in range(5)]
            lines.append("  ".join(parts).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths).rstrip())
        return "\n".join(lines) + "\n"


def machine() -> str:
    """Date, cores, memory, and how busy the machine was: the load average and the cost of one
    bare Python loop iteration in CPU time put figures in context (on a shared or overcommitted
    host CPU time itself stretches: compare this figure between runs)."""
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    load = Path("/proc/loadavg").read_text().split()[0]
    return (
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {mem_kib / 2**20:.0f} GiB, "
        f"Python {platform.python_version()}, load {load}, bare loop {loop_ns():.0f} ns CPU/iter"
    )


def busy_warning() -> str:
    """A line to print when other work competes for the cores (figures are then lower bounds
    for throughput and upper bounds for latency); empty when the machine looks quiet."""
    load = float(Path("/proc/loadavg").read_text().split()[0])
    cores = os.cpu_count() or 1
    if load <= cores:
        return ""
    return (
        f"WARNING: the machine is busy (load {load:.1f} on {cores} cores): rates are lower "
        "bounds and latencies upper bounds; CPU-per-record notes are the steadier figures.\n"
    )


def fmt_int(n: float) -> str:
    return f"{n:,.0f}"


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def fmt_mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.0f} MiB"
