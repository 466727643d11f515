"""``python -m kubesim``: serve one or more simulated clusters until Ctrl-C / SIGTERM.

Writes ``OUT/<name>.kubeconfig`` for each cluster once it is seeded and settled (contexts
``agent`` — the default — and ``admin``), then logs one line per cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from kubesim.cluster import SimCluster
from kubesim.config import SimConfig
from shared.lifecycle import run_loop

log = logging.getLogger("kubesim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m kubesim", description=__doc__)
    p.add_argument("--clusters", type=int, default=1, help="number of clusters (default 1)")
    p.add_argument("--pods", type=int, default=100, help="seeded pods per cluster")
    p.add_argument("--nodes", type=int, default=5, help="nodes per cluster")
    p.add_argument("--churn", type=float, default=0.0, help="pod status changes per second")
    p.add_argument("--out", type=Path, required=True, help="directory for the kubeconfigs")
    p.add_argument(
        "--port", type=int, default=0, help="first port (cluster i gets port+i); 0 picks free ports"
    )
    p.add_argument("--prefix", default="sim", help="cluster name prefix (default sim)")
    p.add_argument("--no-incidents", action="store_true", help="skip the scripted incidents")
    p.add_argument(
        "--history",
        type=int,
        default=10_000,
        help="watch events kept per cluster; older resourceVersions get 410 Gone",
    )
    p.add_argument("--start-delay", type=float, default=0.3, help="seconds before pods run")
    p.add_argument(
        "--crash-interval",
        type=float,
        default=5.0,
        help="seconds between crashes of a crash-looping container",
    )
    p.add_argument("--bookmark-interval", type=float, default=60.0)
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    clusters = [
        SimCluster(
            SimConfig(
                name=f"{args.prefix}-{i}",
                nodes=args.nodes,
                pods=args.pods,
                churn=args.churn,
                incidents=not args.no_incidents,
                history=args.history,
                start_delay=args.start_delay,
                crash_interval=args.crash_interval,
                bookmark_interval=args.bookmark_interval,
            )
        )
        for i in range(args.clusters)
    ]

    def ready(c: SimCluster) -> None:
        path = c.write_kubeconfig(args.out)
        log.info("%s ready at %s (kubeconfig %s)", c.config.name, c.server, path)

    async with asyncio.TaskGroup() as tg:
        for i, c in enumerate(clusters):
            port = args.port + i if args.port else 0
            tg.create_task(c.run(port=port, on_ready=ready), name=c.config.name)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")

    async def run() -> None:
        task = asyncio.current_task()
        assert task is not None
        # SIGTERM ends the process like Ctrl-C does: cancel, close sockets, exit 0.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        await serve(args)

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        run_loop(run())


if __name__ == "__main__":
    main()
