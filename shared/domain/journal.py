"""Journal records: history that must reach the master exactly once, in order per agent."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.commands import CommandUpdate
from shared.domain.findings import Finding
from shared.domain.ingress import IngressSample
from shared.domain.metrics import NodeMetricsSample
from shared.domain.podmetrics import NodeUsage, PodUsage


@dataclass(frozen=True, slots=True)
class FindingBatch:
    findings: tuple[Finding, ...]
    # Every finding active on the agent; the master resolves the others it holds.
    complete: bool = False


@dataclass(frozen=True, slots=True)
class NodeMetricsBatch:
    samples: tuple[NodeMetricsSample, ...]


@dataclass(frozen=True, slots=True)
class IngressBatch:
    samples: tuple[IngressSample, ...]


@dataclass(frozen=True, slots=True)
class PodMetricsBatch:
    """One interval's ``metrics.k8s.io`` read: every pod's and node's usage."""

    pods: tuple[PodUsage, ...]
    nodes: tuple[NodeUsage, ...] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    """Records the agent's spool could not keep: they occupy ``first_seq..last_seq``."""

    first_seq: int
    last_seq: int
    dropped: int


JournalBody = FindingBatch | NodeMetricsBatch | IngressBatch | PodMetricsBatch | CommandUpdate | Gap


@dataclass(frozen=True, slots=True)
class JournalRecord:
    seq: int
    created_ms: int
    body: JournalBody

    @property
    def last_seq(self) -> int:
        """The highest sequence number this record accounts for (a gap covers a range)."""
        return self.body.last_seq if isinstance(self.body, Gap) else self.seq
