"""The DataHub: every cluster's current state, and the clock that judges link status.

Owns the map cluster name -> ClusterState and the journal effects on current state (active
findings, latest node metrics). Deliberately owns no history (the store) and no I/O."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from master.datahub.cluster import ClusterState
from master.datahub.status import LinkStatus, link_status
from shared.clock import now_ms
from shared.domain.journal import FindingBatch, Gap, JournalRecord, NodeMetricsBatch


class DataHub:
    def __init__(
        self,
        *,
        reconnecting_after_s: float,
        offline_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clusters: dict[str, ClusterState] = {}
        self._reconnecting_after = reconnecting_after_s
        self._offline_after = offline_after_s
        self.clock = clock

    def cluster(self, name: str) -> ClusterState | None:
        return self._clusters.get(name)

    def ensure(self, name: str) -> ClusterState:
        state = self._clusters.get(name)
        if state is None:
            state = self._clusters[name] = ClusterState(name=name)
        return state

    def clusters(self) -> Iterable[ClusterState]:
        return self._clusters.values()

    def forget(self, name: str) -> None:
        self._clusters.pop(name, None)

    def heard(self, state: ClusterState) -> None:
        state.last_heard = self.clock()
        state.last_heard_ms = now_ms()

    def status(self, state: ClusterState) -> LinkStatus:
        return link_status(
            stream_open=state.stream_open,
            last_heard=state.last_heard,
            now=self.clock(),
            reconnecting_after=self._reconnecting_after,
            offline_after=self._offline_after,
        )

    def apply_journal(self, state: ClusterState, records: Iterable[JournalRecord]) -> None:
        """Current-state effects of durably stored journal records."""
        for rec in records:
            body = rec.body
            if isinstance(body, FindingBatch):
                for f in body.findings:
                    if f.resolved:
                        state.findings.pop(f.fingerprint, None)
                    else:
                        state.findings[f.fingerprint] = f
            elif isinstance(body, NodeMetricsBatch):
                for s in body.samples:
                    prev = state.node_metrics.get(s.node)
                    if prev is None or prev.at_ms <= s.at_ms:
                        state.node_metrics[s.node] = s
            elif isinstance(body, Gap):
                state.gaps_dropped += body.dropped
