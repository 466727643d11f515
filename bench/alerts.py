"""The alert path's latency and the delivery throughput (issue 17, "Measure").

A real master process (``python -m master``) with an alerting config that sends every
finding's alert at once (``group_wait: 0s``, one group per pod) to a local webhook receiver;
an in-process agent core journals findings straight into its outbox, over real gRPC.

1. **Latency**: one finding at a time, each a new group: from the agent's outbox to the
   receiver holding the notification (same process, same clock). This is the master's share
   of "crash event → notification"; the agent's detection and link (``bench agent``: 8 ms p99)
   come before it. Target: p50 <= 25 ms, p99 <= 50 ms for the whole path.
2. **Throughput**: ``--burst`` findings at once, every one its own group, with the receiver
   refusing one request in twenty with a 503 so retries are part of the figure. Target:
   >= 200 notifications/s delivered.

    .venv/bin/python -m bench alerts [-- --one-by-one 200 --burst 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from bench.commands_peers import API_TOKEN, MasterProcess
from bench.common import Table, busy_warning, cpu_seconds, percentile
from bench.results import Figure, exit_code
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef

CLUSTER = "bench"
# The small size of `python -m bench --quick`.
QUICK = ["--one-by-one", "20", "--burst", "100"]
CONFIG = """\
route:
  receiver: hook
  group_by: [cluster, namespace, name]
  group_wait: 0s
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
"""


class Sink:
    """The webhook receiver: when each namespace's first notification arrived; every
    ``fail_every``-th request refused with a 503 (0: none)."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.fail_every = 0
        self.refused = 0
        self._n = itertools.count(1)
        self.changed = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.fail_every and next(self._n) % self.fail_every == 0:
            self.refused += 1
            return web.Response(status=503, headers={"Retry-After": "0"})
        ns = body["groupLabels"].get("namespace", "")
        self.arrived.setdefault(ns, time.perf_counter())
        self.changed.set()
        return web.Response(text="ok")


def _finding(ns: str) -> Finding:
    return Finding(
        fingerprint=f"bench-{ns}", reason="CrashLoopBackOff", severity=Severity.CRITICAL,
        category="pod", subject=ObjectRef("Pod", ns, "web-0"),
        message="container web is crash-looping: 5 restarts", first_seen_ms=1, last_seen_ms=1,
        owner=ObjectRef("Deployment", ns, "web"), node="node-1",
    )  # fmt: skip


async def _until(sink: Sink, names: set[str], timeout_s: float) -> None:
    async with asyncio.timeout(timeout_s):
        while not names <= sink.arrived.keys():
            sink.changed.clear()
            await sink.changed.wait()


async def _run(args: argparse.Namespace, root: Path) -> list[Figure]:
    from agent.app import AgentCore
    from agent.settings import AgentSettings

    sink = Sink()
    app = web.Application()
    app.router.add_post("/hook", sink.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    config = root / "alerting.yaml"
    config.write_text(CONFIG.format(url=f"http://127.0.0.1:{port}/hook"))
    master = MasterProcess(root, env={
        "MASTER_ALERTS__CONFIG_FILE": str(config),
        # The alert path itself: log enrichment (a pod_logs round trip to the agent before a
        # crash alert's first send, up to 3 s) is off, as the latency target reads.
        "MASTER_ALERTS__ENRICH_LOGS": "false",
        "MASTER_ALERTS__RETRY_BASE_S": "0.05", "MASTER_ALERTS__RETRY_CAP_S": "0.5",
    })  # fmt: skip
    master.start()
    try:
        await master.ready()
        base = f"http://127.0.0.1:{master.http_port}"
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        async with (
            aiohttp.ClientSession(headers=auth) as s,
            s.post(f"{base}/api/v1/clusters", json={"name": CLUSTER}) as r,
        ):
            token = (await r.json())["token"]
        core = AgentCore(AgentSettings(
            cluster_name=CLUSTER, master_address=f"127.0.0.1:{master.grpc_port}", token=token,
            plaintext=True, metrics_listen="", heartbeat_interval_s=1.0,
            reconnect_initial_s=0.2, reconnect_max_s=2.0, shutdown_grace_s=2.0,
        ))  # fmt: skip
        stop = asyncio.Event()
        uplink = asyncio.create_task(core.uplink.run(stop), name="bench-agent-uplink")
        try:
            async with asyncio.timeout(60):
                await core.uplink.connected.wait()
            return await _measure(args, core, sink, master.pid)
        finally:
            stop.set()
            await asyncio.wait_for(uplink, 10)
            core.close()
    finally:
        master.stop()
        await runner.cleanup()


async def _measure(args: argparse.Namespace, core: object, sink: Sink, pid: int) -> list[Figure]:
    outbox = core.outbox  # type: ignore[attr-defined]
    seq = itertools.count(1)
    # Warm-up: the first alert also creates the engine's route and the receiver's client.
    outbox.put(FindingBatch((_finding("warm"),)), now_ms=next(seq))
    await _until(sink, {"warm"}, 60)
    latencies = []
    for i in range(args.one_by_one):
        ns = f"one-{i}"
        sent = time.perf_counter()
        outbox.put(FindingBatch((_finding(ns),)), now_ms=next(seq))
        await _until(sink, {ns}, 30)
        latencies.append(sink.arrived[ns] - sent)
        await asyncio.sleep(0.02)
    sink.fail_every = 20
    names = {f"burst-{i}" for i in range(args.burst)}
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    ordered = sorted(names)
    for k in range(0, len(ordered), 100):
        batch = tuple(_finding(ns) for ns in ordered[k : k + 100])
        outbox.put(FindingBatch(batch), now_ms=next(seq))
    await _until(sink, names, 600)
    elapsed = max(sink.arrived[n] for n in names) - t0
    cpu = cpu_seconds(pid) - cpu0
    rate = args.burst / elapsed
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    table = Table(f"alerts: finding → master → alert → webhook ({args.one_by_one} one by one, "
                  f"{args.burst} at once)")  # fmt: skip
    table.judge("alerts.latency_p50", "finding → notification p50", p50 * 1000)
    table.judge("alerts.latency_p99", "finding → notification p99", p99 * 1000)
    table.judge("alerts.delivery", "delivery throughput", rate,
                note=f"{sink.refused} refused with 503 and retried")  # fmt: skip
    table.judge(
        "alerts.cpu_per_notification",
        "master CPU per notification",
        cpu / args.burst * 1e3,
        note="engine + outbox + worker + HTTP, in the burst",
    )
    print(busy_warning() + table.render(), end="")
    return table.figures


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="bench alerts")
    ap.add_argument("--one-by-one", type=int, default=200)
    ap.add_argument("--burst", type=int, default=2000)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        return asyncio.run(_run(args, Path(tmp)))


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
