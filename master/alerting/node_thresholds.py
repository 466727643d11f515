"""Node-metric thresholds → ``AlertSignal``: CPU, memory, filesystem use, "full within N
hours" from the filesystem's trend, load per core and temperature, each with a ``for``.

Pure: ``NodeThresholds.observe`` takes one node's sample (its ``at_ms`` times the ``for``) and
returns the signals whose state changed. The ``for`` is kept here, per condition,
like Prometheus' pending state: the engine sees a signal only once it holds long enough, so a
one-sample CPU spike never becomes an alert in any state. Signals are emitted on change only
(and once per key after start, so an alert restored as firing by a restarted master resolves
when its condition is found clear). The pending clocks themselves are not persisted: after a
restart a condition waits its ``for`` again, which delays, never invents, an alert.

The trend ("full within") reuses ``master.anomaly``'s disk detector over a bounded ring of
recent points per filesystem; deliberately not here: thresholds on pod metrics (issue 19) and
the rule-level ``for`` (``master.alerts.rules``), which still applies on top. It lives in the
alerting shell, not the pure ``master.alerts`` core, because it reads ``master.anomaly``, which
sits above that core (anomalies raise alerts)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from master.alerts.config import NodeMetricsSpec
from master.alerts.events import AlertSignal
from master.anomaly import explain
from master.anomaly.detectors import DISK, Anomaly, disk_full_soon
from master.anomaly.series import Point
from shared.domain.metrics import NodeMetricsSample

SOURCE = "node-metrics"
RING_POINTS = 96  # per filesystem: 8 h at one point per 5 min
RING_STEP_MS = 300_000
# Pseudo filesystems a node reports but nobody fills (or that are full by design).
IGNORED_FSTYPES = frozenset({"tmpfs", "devtmpfs", "overlay", "squashfs", "proc", "sysfs"})


@dataclass(frozen=True, slots=True)
class Condition:
    reason: str
    severity: str
    subject: str  # "" for the node itself, else the mountpoint
    holds: bool
    for_ms: int
    summary: str


@dataclass(slots=True)
class NodeThresholds:
    spec: NodeMetricsSpec
    _pending: dict[str, int] = field(default_factory=dict)  # key -> since_ms
    _emitted: dict[str, bool] = field(default_factory=dict)  # key -> last active sent
    _rings: dict[str, deque[Point]] = field(default_factory=dict)
    _soon: dict[str, Anomaly | None] = field(default_factory=dict)  # per ring, at its last point

    def observe(self, cluster: str, sample: NodeMetricsSample, *, at_ms: int) -> list[AlertSignal]:
        """``sample.at_ms`` (the node's clock) times the ``for``; ``at_ms`` (the master's)
        stamps the signals, like every other event the engine sees."""
        if not self.spec.enabled:
            return []
        out: list[AlertSignal] = []
        now = sample.at_ms
        for c in self._conditions(cluster, sample):
            key = f"{c.reason}|{cluster}|{sample.node}|{c.subject}"
            if c.holds:
                since = self._pending.setdefault(key, now)
                active = now - since >= c.for_ms
            else:
                self._pending.pop(key, None)
                active = False
            if self._emitted.get(key) is active:
                continue
            self._emitted[key] = active
            labels = {"cluster": cluster, "node": sample.node, "reason": c.reason,
                      "severity": c.severity, "category": "node"}  # fmt: skip
            if c.subject:
                labels["mountpoint"] = c.subject
            notes = {"summary": c.summary} if active else {}
            out.append(AlertSignal(SOURCE, key, labels, active, at_ms, notes))
        return out

    def _conditions(self, cluster: str, s: NodeMetricsSample) -> Iterator[Condition]:
        spec = self.spec
        yield Condition(
            "NodeHighCPU", "warning", "", s.cpu_percent >= spec.cpu_percent, spec.cpu_for,
            f"node {s.node} CPU at {s.cpu_percent:.0f} % (threshold {spec.cpu_percent:g} %)",
        )  # fmt: skip
        if s.memory.total_bytes:
            used = s.memory.total_bytes - s.memory.available_bytes
            pct = 100 * used / s.memory.total_bytes
            yield Condition(
                "NodeMemoryHigh", "warning", "", pct >= spec.memory_percent, spec.memory_for,
                f"node {s.node} memory {pct:.0f} % used ({explain.size(used)} of "
                f"{explain.size(s.memory.total_bytes)}; threshold {spec.memory_percent:g} %)",
            )  # fmt: skip
        cores = max(len(s.per_core_percent), 1)
        per_core = s.load5 / cores
        yield Condition(
            "NodeHighLoad", "warning", "", per_core >= spec.load_per_core, spec.load_for,
            f"node {s.node} load {s.load5:.1f} over {cores} cores "
            f"({per_core:.1f} per core; threshold {spec.load_per_core:g})",
        )  # fmt: skip
        if s.cpu_temp_c is not None:
            yield Condition(
                "NodeHotCPU", "warning", "", s.cpu_temp_c >= spec.temperature_c,
                spec.temperature_for,
                f"node {s.node} CPU at {s.cpu_temp_c:.0f} °C "
                f"(threshold {spec.temperature_c:g} °C)",
            )  # fmt: skip
        for fs in s.filesystems:
            if fs.fstype in IGNORED_FSTYPES or fs.total_bytes <= 0:
                continue
            yield from self._filesystem(cluster, s, fs.mountpoint, fs.used_bytes, fs.total_bytes)

    def _filesystem(
        self, cluster: str, s: NodeMetricsSample, mount: str, used: int, total: int
    ) -> Iterator[Condition]:
        spec = self.spec
        pct = 100 * used / total
        critical = pct >= spec.filesystem_critical_percent
        yield Condition(
            "NodeFilesystemFull", "critical" if critical else "warning", mount,
            pct >= spec.filesystem_percent, 0 if critical else spec.filesystem_for,
            f"node {s.node} filesystem {mount} {pct:.0f} % full ({explain.size(used)} of "
            f"{explain.size(total)})",
        )  # fmt: skip
        key = f"{cluster}|{s.node}|{mount}"
        ring = self._rings.setdefault(key, deque(maxlen=RING_POINTS))
        if not ring or s.at_ms - ring[-1].t_s * 1000 >= RING_STEP_MS:
            # The trend only changes with a new point (one per RING_STEP_MS), so it is fitted
            # then, not on every sample (a node reports every few seconds).
            ring.append(Point(s.at_ms / 1000, float(used)))
            params = replace(DISK, horizon_s=spec.full_within / 1000)
            self._soon[key] = disk_full_soon(
                list(ring), capacity=float(total), now_s=s.at_ms / 1000, p=params
            )
        soon = self._soon.get(key)
        yield Condition(
            "NodeFilesystemFullSoon", soon.severity.label if soon else "warning", mount,
            soon is not None, 0,
            f"node {s.node} filesystem {mount}: {soon.summary}" if soon else "",
        )  # fmt: skip
