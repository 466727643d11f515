"""Benchmark of the agent ⇄ master link (issue 2, "Measure"): synthetic agents -> one master
over loopback TLS, one command, prints a table with each target beside its figure.

    python -m bench link            (or python -m bench.link)

Layout: this process only orchestrates; the master and the agents run in two separate child
processes (multiprocessing, spawn; ``bench.link_master``, ``bench.link_agents``) so they share
the two cores as in production and the master's CPU and RSS can be read alone. Scenarios:

* throughput  journal records/s handled and acknowledged with 1, 10 and 100 agents, each
              record a FindingBatch of one finding, without persistence (``memory``: the link
              parts with a sink that keeps only the mark) and with the SQLite store (``sqlite``:
              ``master.app.start``, the real composition root)
* latency     outbox.put -> journal observer on the master, p50/p99, paced at 5,000 records/s
* heartbeats  100 agents, 1 s heartbeats, 20 s: master RSS/CPU, anyone leaving ``connected``
* snapshot    5,000 slim pods: first snapshot delta decoded -> Synced swapped, over TLS; and
              the same master work in-process without the network

Bounded: every wait has a timeout; loopback only; about two minutes in all."""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from bench.common import (
    CpuMeter,
    Table,
    TlsFiles,
    ask,
    busy_warning,
    children,
    expect,
    fmt_int,
    fmt_mib,
    fmt_ms,
    make_tls,
    percentile,
    rss_bytes,
    spawn,
)
from bench.link_agents import agents_process, pod
from bench.link_master import master_process
from bench.results import Figure, exit_code

SCENARIOS = ("throughput", "latency", "heartbeats", "snapshot")
RUN_CAP_S = 10.0  # a run that has not finished by then is measured on what was acked
PACED_RATE, LATENCY_AGENTS = 5_000, 10
HEARTBEAT_S = 1.0
SNAPSHOT_PODS = 5_000
# The small size of `python -m bench --quick`: every scenario, a few seconds each.
QUICK = [
    "--records", "10000", "--paced-s", "2", "--fleet", "20", "--watch-s", "4",
    "--snapshot-reps", "1",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sizes:
    records: int = 150_000  # records per throughput run: a few seconds at the target rate
    paced_s: float = 6.0
    fleet: int = 100
    watch_s: float = 20.0
    snapshot_reps: int = 5


@dataclass
class Peers:
    master: BaseProcess
    mconn: Connection
    agents: BaseProcess
    aconn: Connection
    mode: str

    @property
    def pids(self) -> tuple[int, int]:
        assert self.master.pid is not None
        assert self.agents.pid is not None
        return self.master.pid, self.agents.pid

    def register(self, names: Sequence[str]) -> dict[str, str]:
        tokens: dict[str, str] = ask(self.mconn, {"op": "register", "names": list(names)}, 60)[
            "tokens"
        ]
        return tokens

    def start_agents(
        self, tokens: dict[str, str], *, spool: int, heartbeat_s: float = 5.0, pods: int = 0
    ) -> int:
        req = {
            "op": "start",
            "clusters": list(tokens.items()),
            "spool": spool,
            "heartbeat_s": heartbeat_s,
            "pods": pods,
            "timeout": 60,
        }
        connected: int = ask(self.aconn, req, 90)["connected"]
        if connected != len(tokens):
            raise RuntimeError(f"only {connected} of {len(tokens)} agents connected")
        return connected

    def stop_agents(self) -> None:
        """Stop the fleet, then let the master finish what it had already received."""
        ask(self.aconn, {"op": "stop"}, 30)
        ask(self.mconn, {"op": "quiet", "still": 1.0, "timeout": 60}, 70)


@contextlib.contextmanager
def peers(tls: TlsFiles, data_dir: Path, *, mode: str, heartbeat_s: float = 5.0) -> Iterator[Peers]:
    """A master child and an agent child dialing it; both ended (bounded) on exit."""
    spec = {
        "mode": mode,
        "cert": str(tls.cert),
        "key": str(tls.key),
        "data_dir": str(data_dir),
        "heartbeat_s": heartbeat_s,
        # Same ratios as the defaults (3 and 12 heartbeats), scaled to the bench's interval.
        "reconnecting_s": 3 * heartbeat_s,
        "offline_s": 12 * heartbeat_s,
    }
    with children() as started:  # stopped last first: the agents, then the master
        master = spawn(started, "bench-master", master_process, spec)
        port = expect(master.conn, 60, what="master start")["port"]
        agents_spec = {
            "address": f"127.0.0.1:{port}",
            "ca": str(tls.ca),
            "server_name": tls.server_name,
        }
        agents = spawn(started, "bench-agents", agents_process, agents_spec)
        yield Peers(master.proc, master.conn, agents.proc, agents.conn, mode)


# -- scenarios ----------------------------------------------------------------------------------


def throughput(p: Peers, table: Table, agents: int, total_records: int) -> None:
    tokens = p.register([f"tp-{p.mode}-{agents}-{i}" for i in range(agents)])
    per = total_records // agents
    p.start_agents(tokens, spool=per + 100)
    ask(p.mconn, {"op": "reset"}, 10)
    t_fill = ask(p.aconn, {"op": "fill", "per_agent": per}, 60)["t_fill"]
    meter = CpuMeter(p.pids)
    meter.start()
    p.mconn.send({"op": "wait_handled", "expected": per * agents, "timeout": RUN_CAP_S})
    p.aconn.send({"op": "wait_acked", "timeout": RUN_CAP_S})
    handled = expect(p.mconn, RUN_CAP_S + 20, what="wait_handled")
    acked = expect(p.aconn, RUN_CAP_S + 20, what="wait_acked")
    cpu_master, cpu_agents = meter.millicores()
    cpu_s_master, cpu_s_agents = meter.seconds()
    p.stop_agents()
    total = per * agents
    rate = acked["acked"] / (acked["t_acked"] - t_fill)
    us_master = cpu_s_master / max(handled["count"], 1) * 1e6
    us_agents = cpu_s_agents / max(acked["acked"], 1) * 1e6
    persisted = p.mode == "sqlite"
    what = f"{agents} agent{'s' if agents > 1 else ''}, " + (
        "SQLite store" if persisted else "no persistence"
    )
    table.judge(
        "link.ingest_sqlite" if persisted else "link.ingest_no_persistence",
        f"journal records/s acked, {what}",
        rate,
        note=f"CPU master {cpu_master:.0f} m = {us_master:.1f} us/record, "
        f"agents {cpu_agents:.0f} m = {us_agents:.1f} us/record"
        + ("" if acked["all"] else f"; capped at {RUN_CAP_S:.0f} s: {acked['acked']}/{total}"),
    )
    table.judge(
        "link.master_cpu_per_record",
        f"master CPU per record, {what}",
        us_master,
        note="the throughput run's",
    )


def latency(p: Peers, table: Table, seconds: float) -> None:
    tokens = p.register([f"lat-{p.mode}-{i}" for i in range(LATENCY_AGENTS)])
    p.start_agents(tokens, spool=50_000)
    ask(p.mconn, {"op": "reset", "latency": True}, 10)
    meter = CpuMeter(p.pids)
    meter.start()
    req = {"op": "pace", "rate": PACED_RATE, "seconds": seconds}
    sent = ask(p.aconn, req, seconds + 30)["sent"]
    ask(p.aconn, {"op": "wait_acked", "timeout": RUN_CAP_S}, RUN_CAP_S + 20)
    cpu_master, cpu_agents = meter.millicores()
    samples: list[float] = ask(p.mconn, {"op": "latencies"}, 30)["latencies"]
    p.stop_agents()
    steady = samples[PACED_RATE:]  # the first second warms caches and the TLS streams up
    p50, p99 = percentile(steady, 50), percentile(steady, 99)
    table.judge(
        "link.latency_p99",
        f"enqueue -> handled p99, {fmt_int(PACED_RATE)}/s, {LATENCY_AGENTS} agents, "
        + ("SQLite store" if p.mode == "sqlite" else "no persistence"),
        p99 * 1000,
        note=f"p50 {fmt_ms(p50)}, max {fmt_ms(max(steady, default=0.0))}, "
        f"{len(samples)}/{sent} handled; CPU master {cpu_master:.0f} m, agents {cpu_agents:.0f} m",
    )


def heartbeats(p: Peers, table: Table, fleet: int, watch_s: float) -> None:
    master_pid, _ = p.pids
    rss_idle = rss_bytes(master_pid)
    names = [f"hb-{i}" for i in range(fleet)]
    tokens = p.register(names)
    connected = p.start_agents(tokens, spool=1_000, heartbeat_s=HEARTBEAT_S)
    time.sleep(2 * HEARTBEAT_S)  # let every session settle into its steady rhythm
    meter = CpuMeter(p.pids)
    meter.start()
    req = {"op": "watch", "names": names, "seconds": watch_s, "interval": 0.1}
    watched = ask(p.mconn, req, watch_s + 30)
    cpu_master, cpu_agents = meter.millicores()
    rss = rss_bytes(master_pid)
    p.stop_agents()
    stayed = connected - len(watched["left"])
    # An agent that reconnected did not stay connected, whether or not it left for long.
    steady = max(0, stayed - watched["reconnects"])
    table.judge(
        "link.agents_connected",
        f"agents connected without a miss for {watch_s:.0f} s, heartbeat {HEARTBEAT_S:.0f} s, "
        f"{p.mode}",
        steady,
        f"{steady}/{fleet} stayed",
        note=f"longest silence {watched['max_silence']:.2f} s (limit {3 * HEARTBEAT_S:.0f} s), "
        f"reconnects {watched['reconnects']}",
    )
    table.add(
        f"master CPU, {fleet} agents heartbeating",
        f"{cpu_master:.0f} m",
        note=f"agents' process {cpu_agents:.0f} m",
    )
    table.add(
        f"master RSS, {fleet} agents connected",
        fmt_mib(rss),
        note=f"{fmt_mib(rss_idle)} before they connected, "
        f"{(rss - rss_idle) / fleet / 1024:.0f} KiB per agent",
    )


def snapshot_over_link(p: Peers, table: Table, reps: int) -> None:
    tokens = p.register(["snap"])
    for rep in range(reps):
        p.start_agents(tokens, spool=1_000, pods=SNAPSHOT_PODS)
        done = ask(p.mconn, {"op": "snapshots", "count": rep + 1, "timeout": 30}, 40)
        p.stop_agents()
    snaps = done["snapshots"]
    if len(snaps) < reps:
        raise RuntimeError(f"only {len(snaps)} of {reps} snapshots reached the master")
    wall = statistics.median(s["wall"] for s in snaps)
    table.judge(
        "link.snapshot_applied",
        f"{fmt_int(SNAPSHOT_PODS)}-pod snapshot, 1st delta -> Synced swap, over TLS",
        wall * 1000,
        note=f"median of {reps}, worst {fmt_ms(max(s['wall'] for s in snaps))}; master work "
        f"in it (decode+stage+swap) {fmt_ms(statistics.median(s['busy'] for s in snaps))}",
    )


def snapshot_in_process(table: Table, reps: int) -> None:
    """The master's share alone: parse the frames, decode, stage, swap; no network."""
    from agent.snapshot.mirror import Mirror
    from master.datahub.cluster import ClusterState
    from shared.pb.lookout.v1 import link_pb2
    from shared.wire.refs import delta_from_pb, delta_to_pb, synced_from_pb, synced_to_pb

    mirror = Mirror()
    pods = [pod(i) for i in range(SNAPSHOT_PODS)]
    for res in pods:
        mirror.upsert(res)
    encode, apply = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        mirror.attach()
        snap = mirror.snapshot(500)
        frames = [
            link_pb2.AgentFrame(delta=delta_to_pb(d)).SerializeToString() for d in snap.deltas
        ]
        frames.append(link_pb2.AgentFrame(synced=synced_to_pb(snap.synced)).SerializeToString())
        t1 = time.perf_counter()
        state = ClusterState("bench")
        for raw in frames:
            msg = link_pb2.AgentFrame.FromString(raw)
            if msg.WhichOneof("frame") == "delta":
                state.apply_delta(delta_from_pb(msg.delta))
            else:
                state.apply_synced(synced_from_pb(msg.synced))
        t2 = time.perf_counter()
        assert len(state.resources["Pod"]) == SNAPSHOT_PODS
        encode.append(t1 - t0)
        apply.append(t2 - t1)
    body = statistics.mean(len(r.body_json) for r in pods)
    size = sum(len(f) for f in frames)
    median = statistics.median(apply)
    table.judge(
        "link.snapshot_applied",
        f"{fmt_int(SNAPSHOT_PODS)}-pod snapshot, master parse+decode+stage+swap, in-process",
        median * 1000,
        note=f"{len(frames)} frames, {size / 1e6:.1f} MB, pod JSON {body:.0f} B; agent side "
        f"snapshot+encode {fmt_ms(statistics.median(encode))}",
    )


# -- entry point --------------------------------------------------------------------------------


def run(argv: list[str]) -> list[Figure]:
    parser = argparse.ArgumentParser(
        prog="python -m bench link", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--only", choices=SCENARIOS, action="append", help="run just this scenario (repeatable)"
    )
    parser.add_argument(
        "--no-store", action="store_true", help="skip the runs with the SQLite store"
    )
    d = Sizes()
    parser.add_argument("--records", type=int, default=d.records, help="per throughput run")
    parser.add_argument("--paced-s", type=float, default=d.paced_s, help="latency run length")
    parser.add_argument("--fleet", type=int, default=d.fleet, help="agents heartbeating")
    parser.add_argument("--watch-s", type=float, default=d.watch_s, help="heartbeat watch")
    parser.add_argument("--snapshot-reps", type=int, default=d.snapshot_reps)
    args = parser.parse_args(argv)
    wanted = set(args.only or SCENARIOS)
    table = Table("link: synthetic agents -> one master over loopback TLS")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lookout-bench-link-") as tmp:
        root = Path(tmp)
        tls = make_tls(root)
        modes = ["memory"] if args.no_store else ["memory", "sqlite"]
        for mode in modes:
            if not wanted & {"throughput", "latency"} and not (
                mode == "memory" and "snapshot" in wanted
            ):
                continue
            with peers(tls, root / mode, mode=mode) as p:
                if "throughput" in wanted:
                    for agents in (1, 10, 100):
                        throughput(p, table, agents, args.records)
                if "latency" in wanted:
                    latency(p, table, args.paced_s)
                if "snapshot" in wanted and mode == "memory":
                    snapshot_over_link(p, table, args.snapshot_reps)
        if "snapshot" in wanted:
            snapshot_in_process(table, args.snapshot_reps)
        if "heartbeats" in wanted:
            # A fresh master of its own, so its RSS is that of the fleet, not of the runs above.
            mode = "memory" if args.no_store else "sqlite"
            with peers(tls, root / "heartbeats", mode=mode, heartbeat_s=HEARTBEAT_S) as p:
                heartbeats(p, table, args.fleet, args.watch_s)
    sys.stdout.write(table.render() + busy_warning())
    sys.stdout.write(f"(ran {time.monotonic() - started:.0f} s)\n")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
