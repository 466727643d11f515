"""The ingress-metrics task the composition root starts: list the controller pods (one
``labelSelector`` list per selector), scrape them and the fixed URLs every interval, and put
what comes out into the outbox as journal records -- ``IngressBatch`` for samples, a
``FindingBatch`` with ``IngressMetricsUnavailable`` when a target starts (or stops) failing.

The outbox is the bounded queue: it never blocks this task, and past its bound the oldest
records become a counted gap the master sees. Discovery is a periodic list, not a watch:
controller pods change rarely, a list per interval costs one request per selector, and a
failing list keeps the last known targets (logged once, not per round).

It deliberately owns no HTTP client of its own (``scraper``) and no delta rule (``deltas``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson

from agent.ingress_metrics.discovery import Selector, Target, discover
from agent.ingress_metrics.findings import unavailable_finding
from agent.ingress_metrics.records import to_samples
from agent.ingress_metrics.scraper import Scraper, TargetConfig, client_session
from agent.ingress_metrics.settings import IngressMetricsSettings
from agent.kubeapi.errors import KubeError
from agent.kubeapi.transport import KubeAccess
from agent.outbox.spool import Outbox
from shared.clock import now_ms
from shared.domain.journal import FindingBatch, IngressBatch

log = logging.getLogger(__name__)


class PodDiscovery:
    """Controller pods → targets, through the API server; remembers the last good answer."""

    def __init__(self, kube: KubeAccess, settings: IngressMetricsSettings) -> None:
        self._kube = kube
        self._settings = settings
        self._selectors = [s.to_selector() for s in settings.selectors]
        self._last: list[TargetConfig] = []
        self._failing = False

    async def targets(self) -> list[TargetConfig]:
        try:
            found = [t for sel in self._selectors for t in await self._list(sel)]
        except KubeError as e:
            if not self._failing:
                log.warning("ingress metrics: cannot list controller pods (%s); keeping the "
                            "%d known targets", e, len(self._last))  # fmt: skip
            self._failing = True
            return self._last
        if self._failing:
            log.info("ingress metrics: controller pods listed again")
        self._failing = False
        self._last = self._configs(found)
        return self._last

    async def _list(self, sel: Selector) -> list[Target]:
        params = {
            "labelSelector": ",".join(f"{k}={v}" for k, v in sorted(sel.labels.items())),
            "fieldSelector": "status.phase=Running",
        }
        body = await self._kube.get(
            "/api/v1/pods", params, timeout_s=self._settings.discovery_timeout_s
        )
        items: list[Mapping[str, Any]] = orjson.loads(body).get("items") or []
        return discover(items, [sel])

    def _configs(self, found: Sequence[Target]) -> list[TargetConfig]:
        seen: dict[str, TargetConfig] = {}
        for t in found:  # a pod matched by two selectors is scraped once, as the first says
            seen.setdefault(
                t.name,
                TargetConfig(t.name, t.url, t.source, self._settings.source_config(),
                             timeout_s=self._settings.timeout_s),
            )  # fmt: skip
        return list(seen.values())


async def run_ingress_metrics(
    settings: IngressMetricsSettings,
    *,
    kube: KubeAccess,
    outbox: Outbox,
    stop: asyncio.Event,
    clock: Callable[[], int] = now_ms,
) -> None:
    """Scrape every ``settings.interval_s`` until ``stop``."""
    static = settings.static_targets()
    discovery = PodDiscovery(kube, settings) if settings.selectors else None
    async with client_session() as session:
        scraper = Scraper(
            static,
            session=session,
            interval_s=settings.interval_s,
            backoff=settings.backoff(),
            clock=clock,
        )
        log.info("ingress metrics: scraping every %.0f s (%d fixed targets, %d selectors)",
                 settings.interval_s, len(static), len(settings.selectors))  # fmt: skip
        while not stop.is_set():
            found = await discovery.targets() if discovery is not None else []
            closed = scraper.set_targets([*static, *found])
            deltas, events = await scraper.scrape_once()
            events = [*closed, *events]
            if events:
                outbox.put(FindingBatch(tuple(unavailable_finding(e) for e in events)), clock())
            samples = to_samples(deltas)
            if samples:
                outbox.put(IngressBatch(tuple(samples)), clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.interval_s)
