"""Builders of journal records for the store tests (small, explicit, deterministic)."""

from __future__ import annotations

from shared.domain.commands import CommandState, CommandUpdate
from shared.domain.findings import Finding, Severity
from shared.domain.ingress import IngressSample
from shared.domain.journal import (
    FindingBatch,
    Gap,
    IngressBatch,
    JournalRecord,
    NodeMetricsBatch,
)
from shared.domain.metrics import DiskIO, Filesystem, Memory, NetIface, NodeMetricsSample
from shared.domain.refs import ObjectRef


def sample(node: str, at_ms: int, *, cpu: float = 10.0, mem_used: int = 1_000) -> NodeMetricsSample:
    return NodeMetricsSample(
        node=node,
        at_ms=at_ms,
        cpu_percent=cpu,
        per_core_percent=(cpu, cpu),
        load1=0.5,
        memory=Memory(total_bytes=8_000, used_bytes=mem_used),
        disks=(DiskIO("sda", util_percent=12.5), DiskIO("sdb", util_percent=40.0)),
        filesystems=(
            Filesystem("/", "sda1", "ext4", total_bytes=100, used_bytes=40),
            Filesystem("/data", "sdb1", "xfs", total_bytes=200, used_bytes=50),
        ),
        interfaces=(
            NetIface("eth0", rx_bytes_per_s=100.0, tx_bytes_per_s=10.0),
            NetIface("eth1", rx_bytes_per_s=1.0, tx_bytes_per_s=2.0),
        ),
        cpu_temp_c=55.0,
    )


def finding(
    fingerprint: str,
    *,
    first: int,
    last: int,
    resolved: bool = False,
    count: int = 1,
    reason: str = "CrashLoopBackOff",
    severity: Severity = Severity.CRITICAL,
    namespace: str = "shop",
    message: str = "back-off restarting failed container",
) -> Finding:
    return Finding(
        fingerprint=fingerprint,
        reason=reason,
        severity=severity,
        category="workload",
        subject=ObjectRef("Pod", namespace, f"pod-{fingerprint}", f"uid-{fingerprint}"),
        message=message,
        first_seen_ms=first,
        last_seen_ms=last,
        owner=ObjectRef("Deployment", namespace, "web"),
        node="node-1",
        count=count,
        resolved=resolved,
    )


def metrics_record(seq: int, node: str = "node-1", at_ms: int | None = None) -> JournalRecord:
    return JournalRecord(
        seq, seq, NodeMetricsBatch((sample(node, seq * 1_000 if at_ms is None else at_ms),))
    )


def findings_record(seq: int, *findings: Finding) -> JournalRecord:
    return JournalRecord(seq, seq, FindingBatch(tuple(findings)))


def ingress_record(seq: int, requests: int = 100) -> JournalRecord:
    return JournalRecord(
        seq,
        seq,
        IngressBatch(
            (
                IngressSample(
                    "nginx",
                    "shop",
                    "web",
                    "shop.example",
                    "web",
                    seq,
                    seq + 10,
                    requests=requests,
                    errors=1,
                    latency_bounds_ms=(10.0, 100.0),
                    latency_counts=(90, 10),
                ),
            )
        ),
    )


def command_record(seq: int, command_id: str, state: CommandState, **kw: str) -> JournalRecord:
    return JournalRecord(seq, seq, CommandUpdate(command_id, state, at_ms=seq * 10, **kw))  # type: ignore[arg-type]


def gap_record(seq: int, last: int, dropped: int) -> JournalRecord:
    return JournalRecord(seq, seq, Gap(seq, last, dropped))
