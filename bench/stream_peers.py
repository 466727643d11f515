"""The peers of ``bench.stream``, each a spawned child answering ops on a pipe.

* ``agent_process``: one real agent (``AgentCore`` + uplink, plaintext gRPC) mirroring 5,000
  slim pods (``bench.link_agents.pod``); ``churn`` re-upserts pods round-robin at a rate, each
  body stamped with ``time.monotonic_ns()`` (CLOCK_MONOTONIC is system-wide, so a client
  process can age it).
* ``clients_process``: N streaming clients (aiohttp, like a browser's fetch streaming) on
  ``GET /api/v1/stream``; they count events and bytes, and every ``SAMPLE_EVERY``-th client
  ages the resource events it gets (delivery latency, master ingest included)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from multiprocessing.connection import Connection
from typing import Any

import aiohttp

from bench.common import percentile, serve_ops
from bench.link_agents import pod
from shared.domain.resources import Resource
from shared.lifecycle import run_loop

SAMPLE_EVERY = 10  # clients that parse timestamps: the rest only count, as cheaply as possible
_STAMP = re.compile(rb'"t":(\d+)')


def stamped(base: Resource, rv: int) -> Resource:
    body = base.body_json[:-1] + b',"t":%d}' % time.monotonic_ns()
    return Resource(base.ref, str(rv), base.labels, base.health, body)


def agent_process(conn: Connection, spec: dict[str, Any]) -> None:
    logging.basicConfig(level=logging.ERROR)
    run_loop(_agent_main(conn, spec))


async def _agent_main(conn: Connection, spec: dict[str, Any]) -> None:
    from agent.app import AgentCore
    from agent.settings import AgentSettings

    settings = AgentSettings(
        cluster_name=spec["cluster"],
        master_address=spec["address"],
        token=spec["token"],
        plaintext=True,
        metrics_listen="",
        heartbeat_interval_s=1.0,
        reconnect_initial_s=0.2,
        reconnect_max_s=2.0,
        shutdown_grace_s=2.0,
    )
    core = AgentCore(settings)
    pods = [pod(i) for i in range(spec["pods"])]
    for res in pods:
        core.mirror.upsert(res)
    stop = asyncio.Event()
    uplink = asyncio.create_task(core.uplink.run(stop), name="agent-uplink")
    rv = 200_000

    async def connected(req: dict[str, Any]) -> dict[str, Any]:
        async with asyncio.timeout(req.get("timeout", 60)):
            await core.uplink.connected.wait()
        return {}

    async def churn(req: dict[str, Any]) -> dict[str, Any]:
        """``rate`` pod updates per second for ``seconds``, in ticks of 20 ms."""
        nonlocal rv
        rate, seconds, tick = req["rate"], req["seconds"], 0.02
        per_tick, done, i = rate * tick, 0, 0
        loop = asyncio.get_running_loop()
        start = loop.time()
        while (now := loop.time()) - start < seconds:
            due = int((now - start) * rate) - done
            for _ in range(max(0, due)):
                rv += 1
                core.mirror.upsert(stamped(pods[i % len(pods)], rv))
                i += 1
            done += max(0, due)
            await asyncio.sleep(tick if per_tick >= 1 else 1 / rate)
        return {"updates": done}

    try:
        await serve_ops(conn, {"connected": connected, "churn": churn})
    finally:
        stop.set()
        await asyncio.wait_for(uplink, 10)
        core.close()


def clients_process(conn: Connection, spec: dict[str, Any]) -> None:
    logging.basicConfig(level=logging.ERROR)
    run_loop(_clients_main(conn, spec))


async def _clients_main(conn: Connection, spec: dict[str, Any]) -> None:
    base, tokens = spec["base"], spec["tokens"]  # one token per client
    events = [0] * len(tokens)
    resyncs = [0] * len(tokens)
    received = [0] * len(tokens)
    ended = [0]
    ages: list[float] = []
    recording = [False]
    connector = aiohttp.TCPConnector(limit=0)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout())
    opened = asyncio.Event()
    started = [0]

    async def client(n: int, token: str) -> None:
        sample = n % SAMPLE_EVERY == 0
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{base}/api/v1/stream?topics=clusters,resources,findings,commands"
        async with session.get(url, headers=headers) as r:
            if r.status != 200:
                raise RuntimeError(f"stream: {r.status} {await r.text()}")
            started[0] += 1
            if started[0] == len(tokens):
                opened.set()
            async for chunk in r.content.iter_any():
                received[n] += len(chunk)
                events[n] += chunk.count(b"\nevent: resource")
                resyncs[n] += chunk.count(b"\nevent: resync")
                if sample and recording[0]:
                    now = time.monotonic_ns()
                    ages.extend((now - int(m)) / 1e9 for m in _STAMP.findall(chunk))
        ended[0] += 1

    tasks = [asyncio.create_task(client(n, t), name=f"client-{n}") for n, t in enumerate(tokens)]

    async def wait_open(req: dict[str, Any]) -> dict[str, Any]:
        async with asyncio.timeout(req.get("timeout", 60)):
            await opened.wait()
        return {"open": started[0]}

    async def record(req: dict[str, Any]) -> dict[str, Any]:
        recording[0] = bool(req["on"])
        return {}

    async def figures(req: dict[str, Any]) -> dict[str, Any]:
        out = {
            "events": sum(events),
            "events_min": min(events),
            "events_max": max(events),
            "resyncs": sum(resyncs),
            "bytes": sum(received),
            "ended": ended[0],
            "samples": len(ages),
            "p50": percentile(ages, 50) if ages else 0.0,
            "p99": percentile(ages, 99) if ages else 0.0,
        }
        if req.get("reset"):
            for counts in (events, resyncs, received):
                counts[:] = [0] * len(counts)
            ages.clear()
        return out

    try:
        await serve_ops(conn, {"open": wait_open, "record": record, "figures": figures})
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await session.close()
