"""``lookout-metrics`` / ``lookout metrics``: run the per-node metrics daemon.

Settings come from ``METRICS_*`` environment variables (see ``metrics_daemon.settings``).
``--once`` prints one sample (rates over ``--window`` seconds) as JSON and exits, for checking a
node's readings by hand; it does not contact the agent."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import logging
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from shared import logs
from shared.errors import LookoutError

if TYPE_CHECKING:  # imported lazily at run time so --help does not pay for pydantic and grpc
    from metrics_daemon.settings import MetricsSettings

log = logging.getLogger("metrics_daemon")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lookout-metrics",
        description="Per-node metrics daemon: reads the host's /proc and /sys every interval "
        "and pushes samples to the local Lookout agent. Configured by METRICS_* environment "
        "variables: METRICS_NODE_NAME, METRICS_PROC_ROOT, METRICS_SYS_ROOT, METRICS_ROOTFS, "
        "METRICS_INTERVAL_S, METRICS_AGENT_ADDRESS, METRICS_INTAKE_TOKEN, "
        "METRICS_BUFFER_MAX_SAMPLES, METRICS_NET_EXCLUDE, METRICS_LOG_LEVEL, METRICS_LOG_FORMAT.",
    )
    p.add_argument(
        "--once", action="store_true", help="print one sample as JSON and exit (no agent)"
    )
    p.add_argument(
        "--window", type=float, default=1.0, help="seconds between the two reads of --once"
    )
    return p


def _print_once(settings: MetricsSettings, window_s: float) -> None:
    from metrics_daemon.app import make_reader
    from metrics_daemon.collecting import Collector

    collector = Collector(make_reader(settings), node=settings.node_name)
    collector.prime()
    time.sleep(window_s)
    sample = collector.sample()
    sys.stdout.write(json.dumps(dataclasses.asdict(sample), indent=2) + "\n")


async def _serve(settings: MetricsSettings) -> None:
    from metrics_daemon.app import run
    from shared.lifecycle import run_until_signalled

    # Everything imported so far lives as long as the process: keep the collector from
    # rescanning it every time a young generation fills (CPU at a 15 s interval is ~all GC).
    gc.collect()
    gc.freeze()
    await run_until_signalled(lambda stop: run(settings, stop))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help or a usage error: a return code, not an exception
        return e.code if isinstance(e.code, int) else 0
    from metrics_daemon.settings import MetricsSettings

    try:
        settings = MetricsSettings()
    except ValidationError as e:
        sys.stderr.write(f"lookout-metrics: invalid settings:\n{e}\n")
        return 2
    logs.configure(settings.log_level, settings.log_format)
    try:
        if args.once:
            _print_once(settings, args.window)
        else:
            from shared.lifecycle import run_loop

            run_loop(_serve(settings))
    except LookoutError as e:
        log.error("%s", e)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
