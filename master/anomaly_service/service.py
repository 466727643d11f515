"""The anomaly service's loop: every ``evaluate_s``, for each cluster the DataHub knows, read
what the detectors need, evaluate them (``evaluation``) and offer the signals that changed to
the alert service.

Nodes: CPU averages from the store's history (``node_summaries``) and pools from the mirrored
Node objects' labels. Containers: the pod-metrics samples received since the last pass
(``received_since``, paged), appended to in-memory windows (``windows``); the first pass reads
back one memory window, so a restart does not wait an hour to see a leak again.

A failed pass for one cluster is logged once per failure streak and skipped; the next pass
tries again (the alerts it raised stay as they were, neither lost nor resolved by an outage of
the store)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from master.alerts.events import AlertSignal
from master.anomaly.detectors import CPU, MEMORY
from master.anomaly_service.evaluation import Changes, container_signals, node_signals
from master.anomaly_service.findings import finding_of, fingerprint
from master.anomaly_service.pools import pool_of
from master.anomaly_service.settings import AnomalySettings
from master.anomaly_service.windows import Windows
from master.datahub.hub import DataHub
from master.store import Store
from shared.clock import now_ms
from shared.domain.findings import Finding

log = logging.getLogger(__name__)

Offer = Callable[[Sequence[AlertSignal]], Awaitable[None]]
# (cluster, findings opened, changed or resolved): the remediation service's port
FindingsPort = Callable[[str, Sequence[Finding]], Awaitable[None]]


async def _nowhere(_signals: Sequence[AlertSignal]) -> None:
    return None


async def _nobody(_cluster: str, _findings: Sequence[Finding]) -> None:
    return None


@dataclass(slots=True)
class AnomalyService:
    store: Store
    hub: DataHub
    settings: AnomalySettings
    offer: Offer = _nowhere  # the alert service's port, wired by the composition root
    on_findings: FindingsPort = _nobody  # the remediation service's, likewise
    clock: Callable[[], int] = now_ms
    changes: Changes = field(default_factory=Changes)
    windows: Windows | None = None  # made on the first pass, from the settings
    page: int = 50_000  # samples read per query
    _cursor_ms: int | None = None  # received_ms of the last sample read
    _failing: set[str] = field(default_factory=set)  # clusters whose last node pass failed
    _pods_failing: bool = False  # the last read of pod metrics failed (logged once)
    _since: dict[str, int] = field(default_factory=dict)  # fingerprint → first fired

    async def _publish(self, cluster: str, signals: Sequence[AlertSignal]) -> None:
        """Offer ``signals`` (the changed ones) to the alerts, hold them as the cluster's
        master findings (or drop them), and tell the remediation service."""
        await self.offer(signals)
        state = self.hub.cluster(cluster)
        out: list[Finding] = []
        for s in signals:
            fp = fingerprint(s.key)
            if s.active:
                f = finding_of(s, first_seen_ms=self._since.setdefault(fp, s.at_ms))
            elif fp in self._since:
                f = replace(finding_of(s, first_seen_ms=self._since.pop(fp)), resolved=True)
            else:
                continue  # inactive and never fired: nothing to say
            out.append(f)
            if state is not None:
                state.hold_master_finding(fp, None if f.resolved else f)
        if out:
            await self.on_findings(cluster, out)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.evaluate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.evaluate_s)

    async def evaluate(self) -> int:
        """One pass over every cluster; returns how many signals were offered."""
        offered = await self._containers()
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
                await self._publish(state.name, signals)
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
        return self.changes.changed(signals, scope=(cluster, "nodes"), at_ms=now)

    async def _containers(self) -> int:
        now = self.clock()
        cfg = self.settings
        if self.windows is None:
            self.windows = Windows(cfg.memory_window_s, max_containers=cfg.max_containers)
        windows = self.windows
        try:
            await self._read_new(windows, now)
        except Exception as e:  # the store: the next pass goes on from the same cursor
            if not self._pods_failing:
                log.warning("anomaly: pod metrics not read: %s", e)
            self._pods_failing = True
            return 0
        self._pods_failing = False
        windows.expire(now)
        memory = replace(MEMORY, window_s=cfg.memory_window_s)
        cpu = replace(CPU, window_s=cfg.cpu_window_s)
        offered = 0
        # Clusters followed now, and those with a pass on record whose containers all went
        # away (what they raised must still resolve).
        for cluster in sorted(windows.clusters() | self.changes.clusters("pods")):
            signals = [
                s
                for key, w in windows.of_cluster(cluster)
                for s in container_signals(key, w, now_ms=now, memory=memory, cpu=cpu)
            ]
            changed = self.changes.changed(signals, scope=(cluster, "pods"), at_ms=now)
            if changed:
                await self._publish(cluster, changed)
                offered += len(changed)
        return offered

    async def _read_new(self, windows: Windows, now: int) -> None:
        """Every sample received since the last pass (one memory window back on the first)."""
        if self._cursor_ms is None:
            self._cursor_ms = now - int(self.settings.memory_window_s * 1000)
        while True:
            rows = await self.store.pod_metrics.received_since(
                self._cursor_ms, until_ms=now, limit=self.page
            )
            for r in rows:
                windows.add(r)
            if len(rows) < self.page:
                # The last received, not ``now``: a commit stamped just before ``now`` may
                # land after this read.
                if rows:
                    self._cursor_ms = max(self._cursor_ms, rows[-1].received_ms)
                return
            last = rows[-1].received_ms
            # A full page may end inside a millisecond: read that one again (``add`` skips
            # what it has), unless the whole page was that one millisecond.
            self._cursor_ms = last if rows[0].received_ms == last else last - 1
