"""The master child of ``bench.link``: builds a master and answers ``{"op": ...}`` requests
over a ``multiprocessing`` pipe with measurements.

Two builds: ``memory`` runs the link parts alone (DataHub + JournalProcessor with a sink that
only keeps the mark + LinkServer, tokens in a dict) and ``sqlite`` the real composition root
(``master.app.start`` with the SQL store). It measures with a journal observer and, for
snapshots, thin wrappers around delta decoding and staging installed in this process only (the
link code is not changed). It decides no scenario; ``bench.link`` does.

Clock: ``time.monotonic`` is CLOCK_MONOTONIC, system-wide on Linux, so its timestamps compare
with the agent child's."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import serve_ops, until
from shared.clock import now_ms
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.resources import ResourceDelta, Synced
from shared.lifecycle import run_loop


@dataclass
class _Probe:
    """Journal observer: counts handled records and, when asked, their enqueue->handled age."""

    count: int = 0
    first: float = 0.0
    last: float = 0.0
    latencies: list[float] | None = None

    async def __call__(self, cluster: str, records: Sequence[JournalRecord]) -> None:
        now = time.monotonic()
        if not self.count:
            self.first = now
        self.count += len(records)
        self.last = now
        if self.latencies is not None:
            now_ns = time.monotonic_ns()
            for rec in records:
                body = rec.body
                if isinstance(body, FindingBatch) and (t := body.findings[0].attrs.get("t")):
                    self.latencies.append((now_ns - int(t)) / 1e9)


@dataclass
class _SnapshotProbe:
    """Times first snapshot delta decoded -> Synced swapped, and the master's own work inside
    (decode + stage + swap), by wrapping the session reader's decoder and ClusterState's
    methods in this process only (the link code is not changed)."""

    first: float | None = None
    busy: float = 0.0
    done: list[dict[str, float]] = field(default_factory=list)

    def install(self) -> None:
        from master.datahub.cluster import ClusterState
        from master.ingress import reading

        decode = getattr(reading, "delta_from_pb")  # noqa: B009 (not re-exported, for mypy)
        stage, swap = ClusterState.apply_delta, ClusterState.apply_synced

        def timed_decode(msg: Any) -> ResourceDelta:
            t0 = time.perf_counter()
            delta: ResourceDelta = decode(msg)
            if delta.snapshot_id:
                self.first = t0 if self.first is None else self.first
                self.busy += time.perf_counter() - t0
            return delta

        def timed_stage(state: ClusterState, delta: ResourceDelta) -> None:
            t0 = time.perf_counter()
            stage(state, delta)
            if delta.snapshot_id:
                self.busy += time.perf_counter() - t0

        def timed_swap(state: ClusterState, synced: Synced) -> bool:
            t0 = time.perf_counter()
            ok = swap(state, synced)
            t1 = time.perf_counter()
            if self.first is not None and synced.objects:
                busy = self.busy + t1 - t0
                self.done.append({"wall": t1 - self.first, "busy": busy, "objects": synced.objects})
            self.first, self.busy = None, 0.0
            return ok

        setattr(reading, "delta_from_pb", timed_decode)  # noqa: B010
        setattr(ClusterState, "apply_delta", timed_stage)  # noqa: B010 (mypy: method assign)
        setattr(ClusterState, "apply_synced", timed_swap)  # noqa: B010


class _MemorySink:
    def __init__(self) -> None:
        self.marks: dict[str, int] = {}

    async def high_water_mark(self, cluster: str) -> int:
        return self.marks.get(cluster, 0)

    async def commit(self, cluster: str, records: Sequence[JournalRecord], hwm: int) -> None:
        self.marks[cluster] = hwm


@dataclass(frozen=True, slots=True)
class _TokenRow:
    name: str
    token_hash: str
    revoked_ms: int | None = None


class _MemoryTokens:
    def __init__(self) -> None:
        self.rows: dict[str, _TokenRow] = {}

    async def by_token_id(self, token_id: str) -> _TokenRow | None:
        return self.rows.get(token_id)


def master_process(conn: Connection, spec: dict[str, Any]) -> None:
    """Child entry point (spawn): build a master as ``spec`` says and serve requests."""
    logging.basicConfig(level=logging.ERROR)
    run_loop(_master_main(conn, spec))


async def _master_main(conn: Connection, spec: dict[str, Any]) -> None:
    from master.clusters import tokens
    from master.datahub.hub import DataHub
    from master.ingress.credentials import server_credentials
    from master.ingress.server import LinkOptions, LinkServer
    from master.ingress.stream import SessionConfig
    from master.processor.journal import JournalProcessor

    probe, snaps = _Probe(), _SnapshotProbe()
    snaps.install()
    cert, key = Path(spec["cert"]), Path(spec["key"])
    hb, reconnecting, offline = spec["heartbeat_s"], spec["reconnecting_s"], spec["offline_s"]
    stop = asyncio.Event()
    serving: asyncio.Task[None] | None = None
    link: LinkServer | None = None
    if spec["mode"] == "sqlite":
        from master.app import serve, start
        from master.settings import MasterSettings

        master = await start(
            MasterSettings(
                data_dir=Path(spec["data_dir"]),
                grpc_listen="127.0.0.1:0",
                http_listen="127.0.0.1:0",
                tls_cert_file=cert,
                tls_key_file=key,
                api_token="bench-api-token-0123456789abcdef",
                heartbeat_interval_s=hb,
                reconnecting_after_s=reconnecting,
                offline_after_s=offline,
            )
        )
        hub, processor, port = master.hub, master.processor, master.grpc_port
        serving = asyncio.create_task(serve(master, stop), name="master")

        async def add(name: str, token_id: str, token_hash: str) -> None:
            await master.store.clusters.add(
                name, token_id=token_id, token_hash=token_hash, now_ms=now_ms()
            )
    else:
        memory_tokens = _MemoryTokens()
        hub = DataHub(reconnecting_after_s=reconnecting, offline_after_s=offline)
        processor = JournalProcessor(hub, _MemorySink())
        link = LinkServer(
            LinkOptions(
                listen="127.0.0.1:0",
                credentials=server_credentials(cert_file=cert, key_file=key, client_ca_file=None),
                session=SessionConfig(heartbeat_interval_s=hb, journal_batch_max=512),
                max_message_bytes=16 * 2**20,
            ),
            hub=hub,
            processor=processor,
            tokens=memory_tokens,
        )
        port = await link.start()

        async def add(name: str, token_id: str, token_hash: str) -> None:
            memory_tokens.rows[token_id] = _TokenRow(name, token_hash)

    processor.subscribe(probe)

    async def register(req: dict[str, Any]) -> dict[str, Any]:
        issued: dict[str, str] = {}
        for name in req["names"]:
            tok = tokens.issue()
            await add(name, tok.token_id, tok.token_hash)
            issued[name] = tok.token
        return {"tokens": issued}

    async def reset(req: dict[str, Any]) -> dict[str, Any]:
        probe.count, probe.first, probe.last = 0, 0.0, 0.0
        probe.latencies = [] if req.get("latency") else None
        return {}

    async def wait_handled(req: dict[str, Any]) -> dict[str, Any]:
        await until(lambda: probe.count >= req["expected"], within=req["timeout"])
        return {"count": probe.count, "first": probe.first, "last": probe.last}

    async def quiet(req: dict[str, Any]) -> dict[str, Any]:
        """Wait until no record has been handled for ``still`` seconds (a capped run's backlog
        drained), so the next run starts from an idle master."""
        wanted: float = req["still"]
        count, since = probe.count, time.monotonic()

        def still() -> bool:
            nonlocal count, since
            if probe.count != count:
                count, since = probe.count, time.monotonic()
            return time.monotonic() - since >= wanted

        return {"quiet": await until(still, within=req["timeout"], every=0.05)}

    async def latencies(req: dict[str, Any]) -> dict[str, Any]:
        return {"latencies": probe.latencies or []}

    async def watch(req: dict[str, Any]) -> dict[str, Any]:
        """Sample every cluster's link status for ``seconds``: who ever left ``connected``,
        the longest silence seen, and how many sessions were replaced (reconnects)."""
        states = [hub.ensure(n) for n in req["names"]]
        sessions = {s.name: s.agent.session_id for s in states}
        left: set[str] = set()
        silence = 0.0
        deadline = time.monotonic() + req["seconds"]
        while time.monotonic() < deadline:
            now = hub.clock()
            for s in states:
                if hub.status(s) != "connected":
                    left.add(s.name)
                if s.last_heard is not None:
                    silence = max(silence, now - s.last_heard)
            await asyncio.sleep(req["interval"])
        reconnects = sum(1 for s in states if s.agent.session_id != sessions[s.name])
        return {"left": sorted(left), "max_silence": silence, "reconnects": reconnects}

    async def snapshots(req: dict[str, Any]) -> dict[str, Any]:
        await until(lambda: len(snaps.done) >= req["count"], within=req["timeout"])
        return {"snapshots": snaps.done[: req["count"]]}

    conn.send({"port": port})
    try:
        await serve_ops(
            conn,
            {
                "register": register,
                "reset": reset,
                "wait_handled": wait_handled,
                "latencies": latencies,
                "quiet": quiet,
                "watch": watch,
                "snapshots": snapshots,
            },
        )
    finally:
        stop.set()
        if serving is not None:
            await asyncio.wait_for(serving, 15)
        if link is not None:
            await link.stop(1.0)
