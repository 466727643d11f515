"""The pod-metrics task the composition root starts: every interval, one list of PodMetrics
(all namespaces) and one of NodeMetrics through ``agent.kubeapi``, and one ``PodMetricsBatch``
journal record into the outbox (sequence-numbered, acknowledged, replayed like every record;
the outbox is the bounded queue and never blocks this task).

``metrics.k8s.io`` is an aggregated API that many clusters do not serve. A 404 (no such group)
or a 403 (no RBAC for it) is said once and looked at again only every ``rediscover_s``; any
other failure (metrics-server down: 503) is said once per failing streak and retried next
interval. Its coming back is said once too."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from agent.kubeapi.errors import Forbidden, KubeError, NotFound
from agent.kubeapi.transport import KubeAccess
from agent.outbox.spool import Outbox
from agent.pod_metrics.reading import node_usage, pod_usage
from agent.pod_metrics.settings import PodMetricsSettings
from shared.clock import now_ms
from shared.domain.journal import PodMetricsBatch

log = logging.getLogger(__name__)

GROUP_PATH = "/apis/metrics.k8s.io/v1beta1"
PODS_PATH = f"{GROUP_PATH}/pods"
NODES_PATH = f"{GROUP_PATH}/nodes"


@dataclass(frozen=True, slots=True)
class Reading:
    batch: PodMetricsBatch
    skipped: int  # items with an unreadable field


async def read_once(kube: KubeAccess, *, timeout_s: float) -> Reading:
    """One read of pods and nodes. Raises ``KubeError`` (``NotFound``: the group is not
    served; ``Forbidden``: RBAC)."""
    pods_body = await kube.get(PODS_PATH, {}, timeout_s=timeout_s)
    nodes_body = await kube.get(NODES_PATH, {}, timeout_s=timeout_s)
    pods = pod_usage(orjson.loads(pods_body).get("items") or ())
    nodes = node_usage(orjson.loads(nodes_body).get("items") or ())
    return Reading(PodMetricsBatch(pods.items, nodes.items), pods.skipped + nodes.skipped)


class Availability:
    """When to read next and what was last said about it, so each state is logged once."""

    def __init__(self, settings: PodMetricsSettings) -> None:
        self._settings = settings
        self._said = ""  # "", "absent", "forbidden", "failing"
        self._not_before = 0.0

    def due(self, now_s: float) -> bool:
        return now_s >= self._not_before

    def ok(self) -> None:
        if self._said:
            log.info("pod metrics: metrics.k8s.io read again")
        self._said = ""

    def failed(self, e: KubeError, now_s: float) -> None:
        if isinstance(e, NotFound | Forbidden):
            said = "absent" if isinstance(e, NotFound) else "forbidden"
            self._not_before = now_s + self._settings.rediscover_s
            if self._said != said:
                why = (
                    "the cluster does not serve metrics.k8s.io (no metrics-server?)"
                    if said == "absent"
                    else "this agent may not read metrics.k8s.io pods/nodes (RBAC)"
                )
                log.warning("pod metrics: %s; looking again every %.0f s: %s",
                            why, self._settings.rediscover_s, e)  # fmt: skip
        else:
            said = "failing"
            if self._said != said:
                log.warning("pod metrics: cannot read metrics.k8s.io, retrying: %s", e)
        self._said = said


async def run_pod_metrics(
    settings: PodMetricsSettings,
    *,
    kube: KubeAccess,
    outbox: Outbox,
    stop: asyncio.Event,
    clock: Callable[[], int] = now_ms,
) -> None:
    """Read every ``settings.interval_s`` until ``stop``."""
    loop = asyncio.get_running_loop()
    availability = Availability(settings)
    log.info("pod metrics: reading metrics.k8s.io every %.0f s", settings.interval_s)
    while not stop.is_set():
        if availability.due(loop.time()):
            try:
                reading = await read_once(kube, timeout_s=settings.timeout_s)
            except KubeError as e:
                availability.failed(e, loop.time())
            else:
                availability.ok()
                if reading.skipped:
                    log.debug("pod metrics: %d items unreadable", reading.skipped)
                if reading.batch.pods or reading.batch.nodes:
                    outbox.put(reading.batch, clock())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.interval_s)
