"""The master child of ``bench.agent``: the real composition root (``master.app.start``, SQLite
store, TLS gRPC), answering ``{"op": ...}`` requests over a pipe with timestamps.

What it stamps (``time.time_ns``, CLOCK_REALTIME, compared with the other children's):

* per cluster, the first resource delta applied, every ``Synced`` swap, and the moment the
  DataHub first holds the expected number of pods ("all pods visible at the master");
* per crash-looping pod (by name), the moment its CrashLoopBackOff finding was decoded from a
  journal frame and the moment the journal processor had handled it (stored, applied to the
  DataHub, observers run): ``t1`` of the finding-latency figure.

The stamps come from a journal observer (public ``JournalProcessor.subscribe``) and thin
wrappers installed in this process only around ``ClusterState.apply_delta``/``apply_synced``
and the session reader's ``record_from_pb`` (in ``master.ingress.reading``; the master's code
is not changed). It decides no scenario; ``bench.agent`` does."""

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
from shared.domain.journal import FindingBatch, JournalRecord
from shared.lifecycle import run_loop

REASON = "CrashLoopBackOff"


@dataclass
class _ClusterStamps:
    expect_pods: int = 0
    first_delta: int = 0
    visible: int = 0
    synced: list[tuple[int, int]] = field(default_factory=list)  # (time, objects)


@dataclass
class _Probe:
    clusters: dict[str, _ClusterStamps] = field(default_factory=dict)
    decoded: dict[str, int] = field(default_factory=dict)  # pod name -> ns
    handled: dict[str, int] = field(default_factory=dict)

    def install(self) -> None:
        from master.datahub.cluster import ClusterState
        from master.ingress import reading

        stage, swap = ClusterState.apply_delta, ClusterState.apply_synced
        decode = getattr(reading, "record_from_pb")  # noqa: B009 (not re-exported, for mypy)

        def stamped_stage(state: ClusterState, delta: Any) -> None:
            stage(state, delta)
            s = self.clusters.setdefault(state.name, _ClusterStamps())
            if not s.first_delta:
                s.first_delta = time.time_ns()
            self._check_visible(state, s)

        def stamped_swap(state: ClusterState, synced: Any) -> bool:
            ok = swap(state, synced)
            s = self.clusters.setdefault(state.name, _ClusterStamps())
            s.synced.append((time.time_ns(), synced.objects))
            self._check_visible(state, s)
            return ok

        def stamped_decode(msg: Any) -> JournalRecord:
            rec: JournalRecord = decode(msg)
            self._stamp(self.decoded, rec)
            return rec

        setattr(ClusterState, "apply_delta", stamped_stage)  # noqa: B010 (mypy: method assign)
        setattr(ClusterState, "apply_synced", stamped_swap)  # noqa: B010
        setattr(reading, "record_from_pb", stamped_decode)  # noqa: B010

    @staticmethod
    def _check_visible(state: Any, s: _ClusterStamps) -> None:
        if not s.visible and s.expect_pods and len(state.resources.get("Pod", ())) >= s.expect_pods:
            s.visible = time.time_ns()

    @staticmethod
    def _stamp(into: dict[str, int], rec: JournalRecord) -> None:
        body = rec.body
        if not isinstance(body, FindingBatch) or body.complete:
            return
        now = 0
        for f in body.findings:
            if f.reason == REASON and not f.resolved and f.subject.name not in into:
                now = now or time.time_ns()
                into[f.subject.name] = now

    async def observe(self, cluster: str, records: Sequence[JournalRecord]) -> None:
        for rec in records:
            self._stamp(self.handled, rec)


def master_process(conn: Connection, spec: dict[str, Any]) -> None:
    """Child entry point (spawn): start a master as ``spec`` says and serve requests."""
    logging.basicConfig(level=logging.ERROR)
    run_loop(_main(conn, spec))


async def _main(conn: Connection, spec: dict[str, Any]) -> None:
    from master.app import serve, start
    from master.clusters import tokens
    from master.settings import MasterSettings
    from shared.clock import now_ms

    probe = _Probe()
    probe.install()
    master = await start(
        MasterSettings(
            data_dir=Path(spec["data_dir"]),
            grpc_listen="127.0.0.1:0",
            http_listen="127.0.0.1:0",
            tls_cert_file=Path(spec["cert"]),
            tls_key_file=Path(spec["key"]),
            api_token="bench-api-token-0123456789abcdef",
        )
    )
    master.processor.subscribe(probe.observe)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(master, stop), name="master")

    async def register(req: dict[str, Any]) -> dict[str, Any]:
        issued = tokens.issue()
        await master.store.clusters.add(
            req["name"], token_id=issued.token_id, token_hash=issued.token_hash, now_ms=now_ms()
        )
        master.hub.ensure(req["name"])
        probe.clusters[req["name"]] = _ClusterStamps(expect_pods=req["pods"])
        return {"token": issued.token}

    async def visible(req: dict[str, Any]) -> dict[str, Any]:
        s = probe.clusters[req["name"]]
        ok = await until(lambda: s.visible > 0, within=req["timeout"], every=0.05)
        state = master.hub.cluster(req["name"])
        pods = len(state.resources.get("Pod", ())) if state is not None else 0
        return {
            "ok": ok,
            "pods": pods,
            "first_delta": s.first_delta,
            "visible": s.visible,
            "synced": s.synced,
        }

    async def crash_stamps(req: dict[str, Any]) -> dict[str, Any]:
        names = set(req["names"])
        await until(lambda: names <= probe.handled.keys(), within=req["timeout"], every=0.05)
        return {
            "decoded": {n: t for n, t in probe.decoded.items() if n in names},
            "handled": {n: t for n, t in probe.handled.items() if n in names},
        }

    conn.send({"port": master.grpc_port})
    try:
        await serve_ops(
            conn, {"register": register, "visible": visible, "crash_stamps": crash_stamps}
        )
    finally:
        stop.set()
        await asyncio.wait_for(serving, 15)
