"""The DataHub: every cluster's current state, and the clock that judges link status.

Owns the map cluster name -> ClusterState and the journal effects on current state (active
findings, latest node metrics), within the cluster's bounds (``LimitsSettings``; what a reached
bound does: ``master.datahub.limits``), and the change feed readers follow
(``master.datahub.changes``: every ClusterState publishes into the hub's one feed; findings
opened, changed and resolved by journal records are published here). Link status is a function
of time, so no change publishes it: the gateway's stream compares it periodically
(``master.gateway.stream.clusters``). Deliberately owns no history (the store) and no I/O."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

from master.datahub.changes import ChangeFeed
from master.datahub.cluster import ClusterState
from master.datahub.ingress import hold
from master.datahub.limits import held, held_fingerprint, is_master_finding
from master.datahub.settings import LimitsSettings
from master.datahub.status import LinkStatus, link_status
from shared.clock import now_ms
from shared.domain.journal import FindingBatch, Gap, IngressBatch, JournalRecord, NodeMetricsBatch


class DataHub:
    def __init__(
        self,
        *,
        reconnecting_after_s: float,
        offline_after_s: float,
        clock: Callable[[], float] = time.monotonic,
        limits: LimitsSettings | None = None,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._clusters: dict[str, ClusterState] = {}
        self.limits = limits or LimitsSettings()
        self.changes = changes or ChangeFeed()
        self._reconnecting_after = reconnecting_after_s
        self._offline_after = offline_after_s
        self.clock = clock

    def cluster(self, name: str) -> ClusterState | None:
        return self._clusters.get(name)

    def ensure(self, name: str) -> ClusterState:
        state = self._clusters.get(name)
        if state is None:
            state = ClusterState(name=name, bounds=self.limits, changes=self.changes)
            self._clusters[name] = state
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

    def apply_journal(self, state: ClusterState, records: Sequence[JournalRecord]) -> None:
        """Current-state effects of durably stored journal records."""
        for rec in records:
            body = rec.body
            if isinstance(body, FindingBatch):
                _apply_findings(state, body)
            elif isinstance(body, NodeMetricsBatch):
                _apply_samples(state, body)
            elif isinstance(body, IngressBatch):
                _apply_ingress(state, body)
            elif isinstance(body, Gap):
                state.gaps_dropped += body.dropped
        if state.limits:
            hit = state.limits.get(("journal_items", ""))
            if hit is not None and any(r.seq >= hit.seq for r in records):
                state.limit_cleared(("journal_items", ""))  # the agent got past that frame


def _apply_findings(state: ClusterState, batch: FindingBatch) -> None:
    active, bound = state.findings, state.bounds.active_findings
    refused = 0
    for f in batch.findings:
        if is_master_finding(f.fingerprint):
            continue  # the master's own findings are not the agent's to set or resolve
        if f.resolved:
            gone = active.pop(held_fingerprint(f.fingerprint), None)
            if gone is not None:
                state.finding_changed("resolved", gone)
            continue
        h = held(f)
        # The master's own findings (one per hit) do not take the agent's room.
        was = active.get(h.fingerprint)
        if was is not None or len(active) - len(state.limits) < bound:
            active[h.fingerprint] = h
            state.finding_changed("opened" if was is None else "changed", h)
        else:
            refused += 1
    if refused:
        state.limit_hit(("active_findings", ""), refused)
    elif batch.complete and state.limits:
        state.limit_cleared(("active_findings", ""))


def _apply_samples(state: ClusterState, batch: NodeMetricsBatch) -> None:
    latest, bound = state.node_metrics, state.bounds.nodes
    refused = 0
    for s in batch.samples:
        prev = latest.get(s.node)
        if prev is None and len(latest) >= bound:
            refused += 1
        elif prev is None or prev.at_ms <= s.at_ms:
            latest[s.node] = s
    if refused:
        state.limit_hit(("nodes", ""), refused)


def _apply_ingress(state: ClusterState, batch: IngressBatch) -> None:
    b = state.bounds
    refused = hold(
        state.ingress,
        batch.samples,
        series=b.ingress_series,
        per_series=b.ingress_samples_per_series,
    )
    if refused:
        state.limit_hit(("ingress_series", ""), refused)
