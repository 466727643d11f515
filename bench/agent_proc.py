"""The agent child of ``bench.agent``: the agent's real parts (``AgentCore``: mirror, outbox,
TLS uplink; ``run_sources``: every informer and the detector pipeline) as ``agent.app.run``
composes them, minus the executor and the metrics intake, answering ``{"op": ...}`` requests
over a pipe with timestamps.

What it stamps (``time.time_ns``, CLOCK_REALTIME, compared with the other children's):

* start-up phases: entry (interpreter up), agent modules imported, kubeconfig loaded, uplink
  connected, each informer's first list begun/settled, every snapshot sent, plus the time spent
  waiting for list pages (the API server's share) and the CPU this process spent;
* per armed crash-looping pod: its watch event received (before the pipeline), its finding
  put in the outbox, and the finding serialized into a journal frame by the uplink;
* bytes of every resource frame the uplink sends (deltas and snapshot chunks apart).

Stamps come from thin wrappers installed in this process only (``build_informers`` and
``Informer._list`` at module/class level, the pod sink, the outbox, the uplink's
``_send_snapshot`` and its ``record_to_pb``/``delta_to_pb`` per instance or module); the agent's
code is not changed. This module imports nothing of the agent at the top, so "imported" is the
agent's own import time. It decides no scenario; ``bench.agent`` does."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.agent_latency import loop_lag_op
from bench.common import Handler, serve_ops, until
from shared.lifecycle import run_loop

REASON = "CrashLoopBackOff"


def agent_process(conn: Connection, spec: dict[str, Any]) -> None:
    """Child entry point (spawn)."""
    entered = time.time_ns()
    logging.basicConfig(level=logging.WARNING)
    run_loop(_main(conn, spec, entered))


def _status_bytes() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) * 1024
    return out


class _Probe:
    """Everything this child stamps; plain dicts so they cross the pipe as they are."""

    def __init__(self, entered: int, delta_window_s: float = 0.0) -> None:
        self.delta_window_s = delta_window_s
        self.phases: dict[str, int] = {"entered": entered}
        self.lists: dict[str, list[int]] = {}  # informer -> [begun, settled, objects]
        self.page_wait_ns = 0
        self.pages = 0
        self.page_bytes = 0
        self.snapshots: list[list[int]] = []  # [begun, ended, objects]
        self.informers: list[Any] = []
        # [ended (time_ns), wall ns, objects held, CPU ns]
        self.rechecks: list[list[int]] = []
        self.pod_frames: list[int] = []  # [first, last] time a Pod delta frame was built
        self.armed: set[str] = set()
        self.received: dict[str, int] = {}
        self.queued: dict[str, int] = {}
        self.sent: dict[str, int] = {}
        self.frames = {"delta_bytes": 0, "delta_pods": 0, "snap_bytes": 0, "snap_objects": 0}

    def stamp_findings(self, into: dict[str, int], body: Any) -> None:
        from shared.domain.journal import FindingBatch

        if not self.armed or not isinstance(body, FindingBatch) or body.complete:
            return
        now = 0
        for f in body.findings:
            name = f.subject.name
            if f.reason == REASON and name in self.armed and name not in into:
                now = now or time.time_ns()
                into[name] = now

    def install_module_wrappers(self) -> None:
        from agent.sources import running
        from agent.sources.watching import Informer

        build, list_ = running.build_informers, Informer._list

        def captured(**kw: Any) -> list[Informer]:
            informers = build(**kw)
            self.informers = informers
            return informers

        async def timed_list(inf: Informer) -> str:
            entry = self.lists.setdefault(inf.name, [time.time_ns(), 0, 0])
            rv = await list_(inf)
            if not entry[1]:
                entry[1] = time.time_ns()
                entry[2] = getattr(inf.sink, "p").mirror.counts().get(inf.kind, 0)  # noqa: B009
            return rv

        setattr(running, "build_informers", captured)  # noqa: B010
        setattr(Informer, "_list", timed_list)  # noqa: B010 (mypy: method assign)

    def install_instance_wrappers(self, core: Any, access: Any) -> None:
        from agent.uplink import stream
        from shared.domain.journal import JournalRecord

        get, put, send_snapshot = access.get, core.outbox.put, core.uplink._send_snapshot
        to_pb, delta_pb = getattr(stream, "record_to_pb"), getattr(stream, "delta_to_pb")  # noqa: B009

        async def timed_get(path: str, params: Any, *, timeout_s: float) -> bytes:
            t0 = time.perf_counter_ns()
            body: bytes = await get(path, params, timeout_s=timeout_s)
            self.page_wait_ns += time.perf_counter_ns() - t0
            self.pages += 1
            self.page_bytes += len(body)
            return body

        def stamped_put(body: Any, now_ms: int) -> int:
            seq: int = put(body, now_ms)
            self.stamp_findings(self.queued, body)
            return seq

        async def timed_snapshot(call: Any) -> None:
            entry = [time.time_ns(), 0, sum(core.mirror.counts().values())]
            self.snapshots.append(entry)
            await send_snapshot(call)
            entry[1] = time.time_ns()

        def stamped_to_pb(rec: JournalRecord) -> Any:
            self.stamp_findings(self.sent, rec.body)
            return to_pb(rec)

        def sized_delta(delta: Any) -> Any:
            msg = delta_pb(delta)
            size = msg.ByteSize()
            if delta.snapshot_id:
                self.frames["snap_bytes"] += size
                self.frames["snap_objects"] += len(delta.upserts)
            elif delta.kind == "Pod":
                now = time.time_ns()
                self.pod_frames[:] = [self.pod_frames[0] if self.pod_frames else now, now]
                self.frames["delta_bytes"] += size
                self.frames["delta_pods"] += len(delta.upserts) + len(delta.deletes)
            return msg

        window_ns = int(self.delta_window_s * 1e9)
        if window_ns:
            take, released = core.mirror.take_deltas, [0]

            def windowed(max_objects: int) -> Any:
                # What-if (--delta-window-ms), not product behaviour: hold deltas back until
                # the window passed, so one frame carries a window's changes.
                now = time.monotonic_ns()
                if now - released[0] < window_ns:
                    return []
                released[0] = now
                return take(max_objects)

            core.mirror.take_deltas = windowed
        access.get = timed_get
        core.outbox.put = stamped_put
        core.uplink._send_snapshot = timed_snapshot
        setattr(stream, "record_to_pb", stamped_to_pb)  # noqa: B010
        setattr(stream, "delta_to_pb", sized_delta)  # noqa: B010

    def time_rechecks(self) -> None:
        """Time each recheck pass (its steps yield to the event loop between them): wall from
        the first step to the last, and the CPU the steps themselves spent."""
        pipeline = getattr(self.informers[0].sink, "p")  # noqa: B009
        if getattr(pipeline, "_bench_wrapped", False):
            return
        steps = pipeline.recheck_steps
        rechecks = self.rechecks

        def timed(clock: Any) -> Any:
            t0, cpu = time.perf_counter_ns(), 0
            it = steps(clock)
            while True:
                c0 = time.thread_time_ns()
                try:
                    step = next(it)
                except StopIteration:
                    cpu += time.thread_time_ns() - c0
                    break
                cpu += time.thread_time_ns() - c0
                yield step
            wall = time.perf_counter_ns() - t0
            rechecks.append([time.time_ns(), wall, len(pipeline.held), cpu])

        pipeline.recheck_steps = timed
        pipeline._bench_wrapped = True

    def arm_pod_sinks(self) -> None:
        for inf in self.informers:
            if inf.kind != "Pod" or getattr(inf.sink, "_bench_wrapped", False):
                continue
            event = inf.sink.event

            def stamped_event(ns: str | None, type_: str, obj: Any, _event: Any = event) -> None:
                if self.armed:
                    name = (obj.get("metadata") or {}).get("name")
                    if name in self.armed and name not in self.received and _crashing(obj):
                        self.received[name] = time.time_ns()
                _event(ns, type_, obj)

            inf.sink.event = stamped_event
            inf.sink._bench_wrapped = True


def _crashing(pod: dict[str, Any]) -> bool:
    """The pod's event is the crash-loop one (an armed pod may change before, e.g. churn)."""
    for cs in (pod.get("status") or {}).get("containerStatuses") or ():
        if ((cs.get("state") or {}).get("waiting") or {}).get("reason") == REASON:
            return True
    return False


async def _main(conn: Connection, spec: dict[str, Any], entered: int) -> None:
    probe = _Probe(entered, spec.get("delta_window_ms", 0) / 1000)
    from agent.app import AgentCore
    from agent.kubeapi.transport import KubeAccess
    from agent.settings import AgentSettings
    from agent.sources.settings import SourcesSettings

    probe.phases["imported"] = time.time_ns()
    rss_imported = _status_bytes()["VmRSS"]
    profiler: list[Any] = []
    if spec.get("profile"):  # the initial sync's CPU after imports; bench.agent stops it
        import cProfile

        profiler.append(cProfile.Profile())
        profiler[0].enable()
    cpu0 = time.process_time()
    probe.install_module_wrappers()
    settings = AgentSettings(
        cluster_name=spec["cluster"],
        master_address=spec["address"],
        token=spec["token"],
        tls_ca_file=Path(spec["ca"]),
        tls_server_name=spec["server_name"],
        sources=SourcesSettings(
            kubeconfig=Path(spec["kubeconfig"]), list_page_size=spec["page_size"]
        ),
    )
    src = settings.sources
    access = await asyncio.to_thread(
        KubeAccess.from_files, kubeconfig=src.kubeconfig, context=src.context
    )
    probe.phases["configured"] = time.time_ns()
    core = AgentCore(settings)
    probe.install_instance_wrappers(core, access)
    stop = asyncio.Event()

    async def connected() -> None:
        await core.uplink.connected.wait()
        probe.phases["connected"] = time.time_ns()

    async def phases(req: dict[str, Any]) -> dict[str, Any]:
        await until(lambda: bool(probe.informers), within=req["timeout"])
        await until(lambda: all(i.settled.is_set() for i in probe.informers), within=req["timeout"])
        probe.arm_pod_sinks()
        probe.time_rechecks()
        return {
            "phases": probe.phases,
            "lists": probe.lists,
            "page_wait_s": probe.page_wait_ns / 1e9,
            "pages": probe.pages,
            "page_bytes": probe.page_bytes,
            "snapshots": probe.snapshots,
            "cpu_s": time.process_time() - cpu0,
            "frames": dict(probe.frames),
            "counts": core.mirror.counts(),
            "rss_imported": rss_imported,
        }

    async def pod_frames(req: dict[str, Any]) -> dict[str, Any]:
        return {"pod_frames": list(probe.pod_frames)}

    async def arm(req: dict[str, Any]) -> dict[str, Any]:
        probe.armed = set(req["names"])
        return {}

    async def crash_stamps(req: dict[str, Any]) -> dict[str, Any]:
        return {
            "received": probe.received,
            "queued": probe.queued,
            "sent": probe.sent,
            "rechecks": probe.rechecks,
        }

    async def events(req: dict[str, Any]) -> dict[str, Any]:
        pods = [i for i in probe.informers if i.kind == "Pod"]
        return {
            "events": sum(i.events for i in pods),
            "all_events": sum(i.events for i in probe.informers),
            "held": len(getattr(pods[0].sink, "p").held),  # noqa: B009 (objects rechecked)
            "lists": sum(i.lists for i in pods),
            "t": time.time_ns(),
            "findings_records": core.outbox.last_seq,
        }

    async def frames(req: dict[str, Any]) -> dict[str, Any]:
        out = dict(probe.frames)
        if req.get("reset"):
            probe.frames.update(delta_bytes=0, delta_pods=0)
        return out

    async def memory(req: dict[str, Any]) -> dict[str, Any]:
        gc.collect()
        return _status_bytes()

    async def snapshot_bytes(req: dict[str, Any]) -> dict[str, Any]:
        """What a full snapshot of the current mirror weighs on the wire, built aside (the
        live mirror's pending state is not touched)."""
        from shared.domain.resources import ResourceDelta
        from shared.wire.refs import delta_to_pb

        t0 = time.perf_counter()
        total = pods = objects = 0
        for kind in core.mirror.counts():
            items = list(core.mirror.iter_kind(kind))
            objects += len(items)
            for i in range(0, len(items), settings.snapshot_chunk):
                chunk = ResourceDelta(kind, tuple(items[i : i + settings.snapshot_chunk]), (), 1)
                size = len(delta_to_pb(chunk).SerializeToString())
                total += size
                pods += size if kind == "Pod" else 0
        return {
            "bytes": total,
            "pod_bytes": pods,
            "objects": objects,
            "build_s": time.perf_counter() - t0,
        }

    async def replay(req: dict[str, Any]) -> dict[str, Any]:
        """The pipeline's own CPU per pod MODIFIED watch line (parse + sink), fed in-process
        so the simulator's ability to generate changes does not cap it."""
        import orjson

        pod_inf = next(i for i in probe.informers if i.kind == "Pod")
        page = orjson.loads(await access.get(pod_inf._path, {"limit": "500"}, timeout_s=60))
        lines = modified_lines(page["items"], req["n"])
        cpu = time.process_time()
        for line in lines:
            ev = orjson.loads(line)
            pod_inf.sink.event(None, ev["type"], ev["object"])
        used = time.process_time() - cpu
        return {"us": used / len(lines) * 1e6, "per_s": len(lines) / used}

    async def profile(req: dict[str, Any]) -> dict[str, Any]:
        """Start (``on``) or stop cProfile on this process; stopping returns the top
        functions by own time (for finding where a phase's CPU goes, not for the figures)."""
        import cProfile
        import io
        import pstats

        if req["on"]:
            profiler[:] = [cProfile.Profile()]
            profiler[0].enable()
            return {}
        prof = profiler.pop()
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(req.get("sort", "tottime")).print_stats(
            req.get("top", 30)
        )
        return {"text": out.getvalue()}

    ops: dict[str, Handler] = {
        "profile": profile,
        "lag": loop_lag_op(),
        "pod_frames": pod_frames,
        "phases": phases,
        "arm": arm,
        "crash_stamps": crash_stamps,
        "events": events,
        "frames": frames,
        "memory": memory,
        "snapshot_bytes": snapshot_bytes,
        "replay": replay,
    }
    try:
        async with access, asyncio.TaskGroup() as tg:
            tg.create_task(connected())
            tg.create_task(core.uplink.run(stop), name="uplink")
            tg.create_task(core.run_sources(access, stop), name="sources")
            await serve_ops(conn, ops)
            stop.set()
    finally:
        core.close()


def modified_lines(pods: list[dict[str, Any]], n: int) -> list[bytes]:
    """``n`` watch lines: the listed pods again and again, each with a new resourceVersion
    and a flipped Ready condition (what most real pod updates look like)."""
    import orjson

    out: list[bytes] = []
    rv = 10**9
    for i in range(n):
        pod = pods[i % len(pods)]
        rv += 1
        pod["metadata"]["resourceVersion"] = str(rv)
        for cond in pod.get("status", {}).get("conditions") or []:
            if cond.get("type") == "Ready":
                cond["status"] = "False" if cond.get("status") == "True" else "True"
        out.append(orjson.dumps({"type": "MODIFIED", "object": pod}))
    return out
