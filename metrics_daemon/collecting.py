"""Two readings -> one ``NodeMetricsSample``, and the loop that takes a reading every interval.

``build_sample`` is pure (the rates need the previous reading, the timestamp is an argument);
``collect_forever`` is the shell that owns the schedule. It does not send anything: samples go
to a ``SampleBuffer`` that the pusher drains."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from metrics_daemon.buffering import SampleBuffer
from metrics_daemon.errors import MetricsDaemonError
from metrics_daemon.rates import cpu_percents, disk_rates, net_rates
from metrics_daemon.reading import Reader, Reading
from shared.clock import now_ms
from shared.domain.metrics import NodeMetricsSample
from shared.logs import RateLimited

log = logging.getLogger(__name__)


def build_sample(prev: Reading, cur: Reading, *, node: str, at_ms: int) -> NodeMetricsSample:
    elapsed = cur.monotonic_s - prev.monotonic_s
    cpu, cores = cpu_percents(prev.cpu, cur.cpu)
    return NodeMetricsSample(
        node=node,
        at_ms=at_ms,
        cpu_percent=cpu,
        per_core_percent=cores,
        load1=cur.load.load1,
        load5=cur.load.load5,
        load15=cur.load.load15,
        memory=cur.memory,
        disks=disk_rates(prev.disks, cur.disks, elapsed),
        filesystems=cur.filesystems,
        interfaces=net_rates(prev.net, cur.net, elapsed),
        uptime_s=cur.uptime_s,
        cpu_temp_c=cur.cpu_temp_c,
    )


class Collector:
    """Keeps the previous reading; each ``sample()`` reads again and returns the interval."""

    def __init__(self, reader: Reader, *, node: str, clock_ms: Callable[[], int] = now_ms):
        self._reader = reader
        self._node = node
        self._clock_ms = clock_ms
        self._prev: Reading | None = None

    def prime(self) -> None:
        self._prev = self._reader.read()

    def sample(self) -> NodeMetricsSample:
        cur = self._reader.read()
        prev, self._prev = self._prev, cur
        if prev is None:  # no baseline: rates would be since boot, so take a short one
            prev = cur
        return build_sample(prev, cur, node=self._node, at_ms=self._clock_ms())


async def collect_forever(
    collector: Collector, buffer: SampleBuffer, *, interval_s: float, stop: asyncio.Event
) -> None:
    """Sample on a fixed grid (start + k * interval) so slow reads do not make the period
    drift; a tick missed while the loop was busy is skipped, not run late twice."""
    loop = asyncio.get_running_loop()
    failures = RateLimited(every_s=300.0)
    collector.prime()
    next_at = loop.time() + interval_s
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=max(0.0, next_at - loop.time()))
            return
        except TimeoutError:
            pass
        now = loop.time()
        next_at += interval_s * max(1, int((now - next_at) // interval_s) + 1)
        try:
            buffer.put(collector.sample())
        except MetricsDaemonError as e:
            # A file vanishing mid-read (hot-unplugged disk) must not end the daemon.
            if failures.ready(now):
                log.warning("sample failed: %s (%d similar suppressed)", e, failures.suppressed)
                failures.take_suppressed()
