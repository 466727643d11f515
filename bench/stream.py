"""Benchmark of the live event stream (issue 16, "Measure": SSE fan-out).

    python -m bench stream [-- --clients 200 --pods 5000 --rate 500 --seconds 10]

A real master process (``python -m master``), one real agent over the gRPC link mirroring
5,000 slim pods (a child process) and the streaming clients (another child: aiohttp reading
``GET /api/v1/stream`` as a browser's fetch does; every fourth one a viewer of one namespace,
the rest global, so the grants filter runs for both kinds). The agent re-upserts pods
round-robin at ``--rate`` per second (``--rate 500``: every pod changes once in 10 s).

Two runs of the same churn: without streams (what ingesting the changes costs the master),
then with the clients connected. The difference is the fan-out's cost, reported per change
published and per event delivered. Meanwhile the master's own figures are scraped from
``/metrics`` (``lookout_stream_*``): open streams, dropped streams, changes held in the ring,
and how far behind the furthest stream is (its queue: a window on the shared ring, never a
copy). Delivery latency is measured from the agent's upsert (a ``monotonic_ns`` stamp in the
pod body) to the client's read: agent, link, ingest, stream and client all included."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.commands_peers import MasterProcess, free_port
from bench.common import Table, children, cpu_seconds, fmt_mib, rss_bytes, spawn
from bench.results import Figure, exit_code
from bench.stream_peers import agent_process, clients_process

CLUSTER = "bench"
JWT_SECRET = "bench-jwt-secret-" + "0123456789abcdef" * 3
ADMIN_PASSWORD = "bench-admin-password-42"
VIEWER_PASSWORD = "bench-viewer-password-42"
MiB = 2**20
# The small size of `python -m bench --quick`.
QUICK = ["--clients", "20", "--pods", "500", "--rate", "200", "--seconds", "1"]


async def _json(s: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> dict[str, Any]:
    async with s.request(method, url, **kw) as r:
        body: dict[str, Any] = await r.json(content_type=None)
        if r.status >= 300:
            raise RuntimeError(f"{method} {url}: {r.status} {body}")
        return body


async def _setup(base: str) -> tuple[str, str, str]:
    """(agent token, admin JWT, namespace viewer JWT)."""
    async with aiohttp.ClientSession(base_url=base) as s:
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        admin = (await _json(s, "POST", "/api/v1/auth/login", json=login))["access_token"]
        as_admin = {"Authorization": f"Bearer {admin}"}
        cluster = await _json(
            s, "POST", "/api/v1/clusters", json={"name": CLUSTER}, headers=as_admin
        )
        user = {"username": "nina", "password": VIEWER_PASSWORD, "role": ""}
        await _json(s, "POST", "/api/v1/users", json=user, headers=as_admin)
        binding = {
            "subject_kind": "user",
            "subject": "nina",
            "role": "viewer",
            "cluster": CLUSTER,
            "namespace": "team-0",
        }
        await _json(s, "POST", "/api/v1/rolebindings", json=binding, headers=as_admin)
        login = {"username": "nina", "password": VIEWER_PASSWORD}
        nina = (await _json(s, "POST", "/api/v1/auth/login", json=login))["access_token"]
    return str(cluster["token"]), str(admin), str(nina)


async def _synced(base: str, admin: str, pods: int) -> None:
    url = f"{base}/api/v1/clusters/{CLUSTER}"
    async with aiohttp.ClientSession() as s, asyncio.timeout(120):
        while True:
            view = await _json(s, "GET", url, headers={"Authorization": f"Bearer {admin}"})
            if view["synced"] and view["resource_counts"].get("Pod", 0) >= pods:
                return
            await asyncio.sleep(0.2)


async def _scrape(url: str) -> dict[str, float]:
    async with aiohttp.ClientSession() as s, s.get(url) as r:
        text = await r.text()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("lookout_stream_"):
            name, _, value = line.partition(" ")
            out[name.removeprefix("lookout_stream_")] = float(value)
    return out


async def _churn_watched(
    agent: Any, *, rate: int, seconds: float, metrics_url: str, pid: int
) -> dict[str, Any]:
    """Churn, scraping the stream figures every 0.25 s; CPU and the worst figures seen."""
    before = await _scrape(metrics_url)
    cpu0 = cpu_seconds(pid)
    wall0 = time.perf_counter()
    churn = asyncio.create_task(
        asyncio.to_thread(agent.ask, {"op": "churn", "rate": rate, "seconds": seconds}, 120)
    )
    lag_max = ring_max = 0.0
    rss_max = 0
    while not churn.done():
        now = await _scrape(metrics_url)
        lag_max = max(lag_max, now.get("lag_max_events", 0))
        ring_max = max(ring_max, now.get("ring_events", 0))
        rss_max = max(rss_max, rss_bytes(pid))
        await asyncio.sleep(0.25)
    updates = (await churn)["updates"]
    await asyncio.sleep(1.0)  # the last changes reach the master and the streams
    cpu = cpu_seconds(pid) - cpu0
    wall = time.perf_counter() - wall0
    after = await _scrape(metrics_url)
    return {
        "updates": updates,
        "published": after.get("published", 0) - before.get("published", 0),
        "dropped": after.get("dropped", 0) - before.get("dropped", 0),
        "clients": after.get("clients", 0),
        "cpu": cpu,
        "wall": wall,
        "lag_max": lag_max,
        "ring_max": ring_max,
        "rss_max": rss_max,
    }


async def _run(args: argparse.Namespace) -> list[Figure]:
    table = Table(
        f"stream: {args.clients} streaming clients, {args.pods} pods, "
        f"{args.rate} pod updates/s for {args.seconds:g} s"
    )
    with tempfile.TemporaryDirectory(prefix="lookout-bench-stream-") as tmp:
        metrics_port = free_port()
        master = MasterProcess(
            Path(tmp),
            env={
                "MASTER_JWT_SECRET": JWT_SECRET,
                "MASTER_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                "MASTER_ACCESS_TOKEN_TTL_S": "3600",
                "MASTER_METRICS_LISTEN": f"127.0.0.1:{metrics_port}",
            },
        )
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        master.start()
        try:
            await master.ready()
            base = f"http://127.0.0.1:{master.http_port}"
            agent_token, admin, nina = await _setup(base)
            with children() as started:
                agent = spawn(
                    started,
                    "bench-stream-agent",
                    agent_process,
                    {
                        "cluster": CLUSTER,
                        "address": f"127.0.0.1:{master.grpc_port}",
                        "token": agent_token,
                        "pods": args.pods,
                    },
                )
                await asyncio.to_thread(agent.ask, {"op": "connected"}, 90)
                await _synced(base, admin, args.pods)
                idle = await _churn_watched(
                    agent, rate=args.rate, seconds=args.seconds, metrics_url=metrics_url,
                    pid=master.pid,
                )  # fmt: skip
                rss_no_clients = rss_bytes(master.pid)
                tokens = [nina if n % 4 == 3 else admin for n in range(args.clients)]
                clients = spawn(
                    started,
                    "bench-stream-clients",
                    clients_process,
                    {"base": base, "tokens": tokens},
                )
                await asyncio.to_thread(clients.ask, {"op": "open"}, 120)
                await asyncio.sleep(1.0)
                rss_clients = rss_bytes(master.pid)
                await asyncio.to_thread(clients.ask, {"op": "figures", "reset": True}, 30)
                await asyncio.to_thread(clients.ask, {"op": "record", "on": True}, 30)
                busy = await _churn_watched(
                    agent, rate=args.rate, seconds=args.seconds, metrics_url=metrics_url,
                    pid=master.pid,
                )  # fmt: skip
                got = await asyncio.to_thread(clients.ask, {"op": "figures"}, 30)
                rss_after = rss_bytes(master.pid)
                # The same again: a bounded master holds no more after a second round.
                again = await _churn_watched(
                    agent, rate=args.rate, seconds=args.seconds, metrics_url=metrics_url,
                    pid=master.pid,
                )  # fmt: skip
                rss_again = rss_bytes(master.pid)
        finally:
            master.stop()
    published = max(1.0, busy["published"])
    fanout_cpu = busy["cpu"] - idle["cpu"] * busy["published"] / max(1.0, idle["published"])
    table.add(
        "changes published",
        f"{busy['published']:,.0f}",
        note=f"{busy['updates']:,} pod updates sent",
    )
    table.add(
        "events delivered (sum over clients)",
        f"{got['events']:,}",
        note=f"per client {got['events_min']:,}-{got['events_max']:,} (scoped viewers see 1/25)",
    )  # fmt: skip
    table.add(
        "master CPU per change, no streams",
        f"{idle['cpu'] / max(1.0, idle['published']) * 1e6:.0f} µs",
        note="ingest: link, decode, DataHub, publish",
    )
    table.add(
        "master CPU per change, with streams",
        f"{busy['cpu'] / published * 1e6:.0f} µs",
        note=f"{busy['cpu'] / busy['wall']:.2f} cores over the run",
    )
    table.add("fan-out CPU per change (all clients)", f"{fanout_cpu / published * 1e6:.0f} µs")
    table.judge(
        "stream.fanout_cpu_per_event",
        "fan-out CPU per delivered event",
        fanout_cpu / max(1, got["events"]) * 1e6,
        note="filter + write, frames encoded once",
    )
    per_stream_kib = (rss_clients - rss_no_clients) / max(1, args.clients) / 1024
    table.add(
        f"master RSS: no streams / {args.clients} open / after churn",
        f"{fmt_mib(rss_no_clients)} / {fmt_mib(rss_clients)} / {fmt_mib(rss_after)}",
        note=f"{per_stream_kib:.0f} KiB per open stream; peak {fmt_mib(busy['rss_max'])}",
    )
    # The first round fills the ring (its capacity in changes, encoded); a second round
    # replaces them, so a master whose streams hold nothing of their own ends it where it
    # began, within allocator noise.
    grew = rss_again - rss_after
    table.judge(
        "stream.rss_growth",
        "master RSS growth over a second churn round",
        grew / MiB,
        f"{grew / MiB:+.1f} MiB",
        note=f"{fmt_mib(rss_again)}; lag max {again['lag_max']:,.0f}, ring {again['ring_max']:,.0f}"
        f", dropped {again['dropped']:.0f}",
    )
    lost = busy["dropped"] + again["dropped"] + got["resyncs"] + (args.clients - busy["clients"])
    table.judge(
        "stream.dropped",
        "streams dropped, resynced or closed",
        lost,
        f"{busy['dropped'] + again['dropped']:.0f} / {got['resyncs']}",
        note=f"{busy['clients']:.0f} of {args.clients} open at the end",
    )
    table.judge(
        "stream.ring_held", "changes held (the ring: every stream's queue)", busy["ring_max"]
    )
    table.judge("stream.lag_max", "furthest-behind stream", busy["lag_max"],
                note="scraped every 0.25 s")  # fmt: skip
    samples = got["samples"] > 0  # no sample read is no latency at all
    table.judge(
        "stream.latency_p50",
        "agent upsert -> client read p50",
        got["p50"] * 1000 if samples else float("nan"),
        note=f"{got['samples']:,} samples",
    )
    table.judge(
        "stream.latency_p99",
        "agent upsert -> client read p99",
        got["p99"] * 1000 if samples else float("nan"),
    )
    print(table.render())
    return table.figures


def run(argv: list[str]) -> list[Figure]:
    p = argparse.ArgumentParser(prog="bench stream")
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--pods", type=int, default=5000)
    p.add_argument("--rate", type=int, default=500)
    p.add_argument("--seconds", type=float, default=10.0)
    return asyncio.run(_run(p.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
