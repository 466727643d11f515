"""Composition root of the metrics daemon: reader -> collector -> buffer -> pusher.

Two long-lived tasks under one TaskGroup: ``collect`` (a sample every interval) and ``push``
(drains the buffer to the agent). On ``stop`` the collector ends at once and the pusher makes a
last delivery attempt bounded by the shutdown grace, then both are done."""

from __future__ import annotations

import asyncio
import logging

from metrics_daemon.buffering import SampleBuffer
from metrics_daemon.collecting import Collector, collect_forever
from metrics_daemon.pushing import Pusher
from metrics_daemon.reading import Reader
from metrics_daemon.settings import MetricsSettings
from shared.retry import Backoff

log = logging.getLogger(__name__)


def make_reader(settings: MetricsSettings) -> Reader:
    return Reader(
        proc_root=settings.proc_root,
        sys_root=settings.sys_root,
        rootfs=settings.rootfs,
        net_exclude=settings.net_exclude_pattern(),
    )


async def run(settings: MetricsSettings, stop: asyncio.Event) -> None:
    buffer = SampleBuffer(settings.buffer_max_samples)
    collector = Collector(make_reader(settings), node=settings.node_name)
    pusher = Pusher(
        address=settings.agent_address,
        buffer=buffer,
        token=settings.token(),
        timeout_s=settings.push_timeout_s,
        backoff=Backoff(initial_s=settings.retry_initial_s, max_s=settings.retry_max_s),
    )
    log.info(
        "metrics daemon for node %s: every %.0f s to %s",
        settings.node_name,
        settings.interval_s,
        settings.agent_address,
    )
    async with asyncio.TaskGroup() as tg:
        tg.create_task(
            collect_forever(collector, buffer, interval_s=settings.interval_s, stop=stop),
            name="metrics-collect",
        )
        tg.create_task(
            pusher.run(stop, flush_timeout_s=min(2.0, settings.shutdown_grace_s)),
            name="metrics-push",
        )
    log.info("metrics daemon stopped (%d samples delivered)", pusher.delivered)
