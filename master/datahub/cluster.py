"""One cluster's current state in memory: mirrored objects, agent and link facts, active
findings (the agent's, and apart from them the few the master raises itself, e.g. a shared
agent token) and the latest node metrics.

Snapshots are staged and swapped in with one assignment when their ``Synced`` marker arrives,
so readers never see a half-applied snapshot and objects deleted while the agent was away
disappear."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from shared.domain.findings import Finding
from shared.domain.metrics import NodeMetricsSample
from shared.domain.resources import Resource, ResourceDelta, SourceStatus, Synced

log = logging.getLogger(__name__)

ObjKey = tuple[str, str]  # (namespace, name)
KindMap = dict[str, dict[ObjKey, Resource]]


@dataclass(slots=True)
class AgentInfo:
    session_id: str = ""
    instance_id: str = ""
    version: str = ""
    capabilities: tuple[str, ...] = ()
    connected_since_ms: int = 0


@dataclass(slots=True)
class ClusterState:
    name: str
    resources: KindMap = field(default_factory=dict)
    synced: bool = False  # a full snapshot has been applied since the master started
    agent: AgentInfo = field(default_factory=AgentInfo)
    stream_open: bool = False
    last_heard: float | None = None  # monotonic seconds
    last_heard_ms: int = 0  # wall clock, for the API
    hwm: int = 0
    gaps_dropped: int = 0
    spool_depth: int = 0
    sources: dict[str, SourceStatus] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    # Raised by the master about this cluster (master.clusters.sharing), kept apart from the
    # agent's: an agent's complete finding batch resolves what it does not list, and it
    # cannot know these.
    master_findings: dict[str, Finding] = field(default_factory=dict)
    node_metrics: dict[str, NodeMetricsSample] = field(default_factory=dict)
    _staging: KindMap | None = None
    _staging_id: int = 0

    # -- mirrored state --------------------------------------------------------------------------

    def apply_delta(self, delta: ResourceDelta) -> None:
        if delta.snapshot_id:
            if delta.snapshot_id != self._staging_id or self._staging is None:
                self._staging, self._staging_id = {}, delta.snapshot_id
            target = self._staging.setdefault(delta.kind, {})
        else:
            target = self.resources.setdefault(delta.kind, {})
        for res in delta.upserts:
            target[(res.ref.namespace, res.ref.name)] = res
        for ref in delta.deletes:
            target.pop((ref.namespace, ref.name), None)

    def apply_synced(self, synced: Synced) -> bool:
        """Swap in the staged snapshot; False if the marker matches no staged snapshot."""
        if synced.snapshot_id != self._staging_id:
            if synced.objects == 0 and self._staging is None:
                self.resources, self.synced = {}, True  # an empty cluster sends no chunks
                return True
            log.warning(
                "cluster %s: synced marker %d without its snapshot", self.name, synced.snapshot_id
            )
            return False
        staged = self._staging or {}
        for kind in synced.kinds:
            staged.setdefault(kind, {})
        self.resources = staged
        self._staging, self._staging_id, self.synced = None, 0, True
        return True

    def reset_link(self) -> None:
        """A new session starts: drop a half-received snapshot of the previous one."""
        self._staging, self._staging_id = None, 0

    def hold_master_finding(self, fingerprint: str, finding: Finding | None) -> None:
        """Hold ``finding`` under ``fingerprint``, or drop what is held there (None)."""
        if finding is None:
            self.master_findings.pop(fingerprint, None)
        else:
            self.master_findings[fingerprint] = finding

    # -- queries ---------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {kind: len(objs) for kind, objs in self.resources.items() if objs}

    def health_counts(self) -> dict[str, dict[str, int]]:
        return {
            kind: dict(Counter(r.health for r in objs.values()))
            for kind, objs in self.resources.items()
            if objs
        }

    def active_findings(self) -> Iterator[Finding]:
        """The agent's active findings and the master's own about this cluster."""
        yield from self.findings.values()
        yield from self.master_findings.values()

    def get(self, kind: str, namespace: str, name: str) -> Resource | None:
        return self.resources.get(kind, {}).get((namespace, name))
