"""The anomaly service's loop: every ``evaluate_s``, for each cluster the DataHub knows, read
what the detectors need, evaluate them (``evaluation``) and offer the signals that changed to
the alert service.

Today it reads node CPU averages from the store's history (``node_summaries``) and node pools
from the mirrored Node objects' labels. A failed pass for one cluster is logged once per
failure streak and skipped; the next pass tries again (the alerts it raised stay as they were,
neither lost nor resolved by an outage of the store)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from master.alerts.events import AlertSignal
from master.anomaly_service.evaluation import Changes, node_signals
from master.anomaly_service.pools import pool_of
from master.anomaly_service.settings import AnomalySettings
from master.datahub.hub import DataHub
from master.store import Store
from shared.clock import now_ms

log = logging.getLogger(__name__)

Offer = Callable[[Sequence[AlertSignal]], Awaitable[None]]


async def _nowhere(_signals: Sequence[AlertSignal]) -> None:
    return None


@dataclass(slots=True)
class AnomalyService:
    store: Store
    hub: DataHub
    settings: AnomalySettings
    offer: Offer = _nowhere  # the alert service's port, wired by the composition root
    clock: Callable[[], int] = now_ms
    changes: Changes = field(default_factory=Changes)
    _failing: set[str] = field(default_factory=set)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.evaluate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.evaluate_s)

    async def evaluate(self) -> int:
        """One pass over every cluster; returns how many signals were offered."""
        offered = 0
        for state in list(self.hub.clusters()):
            try:
                signals = await self._cluster(state.name)
            except Exception as e:  # the store or one cluster's data: the next pass retries
                if state.name not in self._failing:
                    log.warning("anomaly: cluster %s not evaluated: %s", state.name, e)
                self._failing.add(state.name)
                continue
            if state.name in self._failing:
                log.info("anomaly: cluster %s evaluated again", state.name)
                self._failing.discard(state.name)
            if signals:
                await self.offer(signals)
                offered += len(signals)
        return offered

    async def _cluster(self, cluster: str) -> list[AlertSignal]:
        now = self.clock()
        window_ms = int(self.settings.peers_window_s * 1000)
        summaries = await self.store.history.node_summaries(
            cluster, from_ms=now - window_ms, to_ms=now
        )
        cpu = {s.node: s.cpu_pct_avg for s in summaries if s.cpu_pct_avg is not None}
        state = self.hub.cluster(cluster)
        nodes = state.resources.get("Node", {}) if state is not None else {}
        pools = {name: pool_of(res.labels) for (_, name), res in nodes.items()}
        signals = node_signals(cluster, cpu, pools, at_ms=now)
        return self.changes.changed(signals, cluster=cluster, at_ms=now)
