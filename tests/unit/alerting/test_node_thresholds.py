from dataclasses import replace

from master.alerting.node_thresholds import NodeThresholds
from master.alerts.config import NodeMetricsSpec
from master.alerts.events import AlertSignal
from shared.domain.metrics import Filesystem, Memory, NodeMetricsSample

GiB = 2**30
MIN = 60_000
T0 = 1_800_000_000_000


def sample(at_ms: int, **kw: object) -> NodeMetricsSample:
    base = NodeMetricsSample(
        node="n1",
        at_ms=at_ms,
        cpu_percent=20.0,
        per_core_percent=(20.0, 20.0),
        load5=0.5,
        memory=Memory(total_bytes=8 * GiB, available_bytes=6 * GiB, used_bytes=2 * GiB),
        filesystems=(
            Filesystem("/", fstype="ext4", total_bytes=100 * GiB, used_bytes=40 * GiB),
            Filesystem("/run", fstype="tmpfs", total_bytes=GiB, used_bytes=GiB),
        ),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def active(signals: list[AlertSignal]) -> dict[str, bool]:
    return {s.labels["reason"] + (":" + s.labels.get("mountpoint", "")): s.active for s in signals}


def test_each_condition_is_reported_once_at_start_and_then_only_on_change() -> None:
    t = NodeThresholds(NodeMetricsSpec())
    first = t.observe("edge", sample(T0), at_ms=1)
    assert active(first) == {
        "NodeHighCPU:": False,
        "NodeMemoryHigh:": False,
        "NodeHighLoad:": False,
        "NodeFilesystemFull:/": False,
        "NodeFilesystemFullSoon:/": False,
    }  # a tmpfs full by design is not a filesystem anyone fills
    assert t.observe("edge", sample(T0 + 10_000), at_ms=2) == []


def test_cpu_fires_only_after_holding_for_its_for_and_a_spike_never_reaches_the_engine() -> None:
    t = NodeThresholds(NodeMetricsSpec())
    t.observe("edge", sample(T0), at_ms=0)
    assert t.observe("edge", sample(T0 + MIN, cpu_percent=97.0), at_ms=0) == []
    assert t.observe("edge", sample(T0 + 2 * MIN), at_ms=0) == []  # the spike passed
    for k in range(10):
        assert t.observe("edge", sample(T0 + (3 + k) * MIN, cpu_percent=95.0), at_ms=0) == []
    fired = t.observe("edge", sample(T0 + 13 * MIN, cpu_percent=95.0), at_ms=42)
    assert [(s.labels["reason"], s.active, s.at_ms) for s in fired] == [("NodeHighCPU", True, 42)]
    assert fired[0].labels == {
        "cluster": "edge",
        "node": "n1",
        "reason": "NodeHighCPU",
        "severity": "warning",
        "category": "node",
    }
    assert fired[0].annotations["summary"] == "node n1 CPU at 95 % (threshold 90 %)"
    resolved = t.observe("edge", sample(T0 + 14 * MIN), at_ms=43)
    assert [(s.labels["reason"], s.active) for s in resolved] == [("NodeHighCPU", False)]


def test_a_filesystem_past_the_critical_mark_fires_at_once_and_critical() -> None:
    t = NodeThresholds(NodeMetricsSpec())
    t.observe("edge", sample(T0), at_ms=0)
    full = (Filesystem("/", fstype="ext4", total_bytes=100 * GiB, used_bytes=97 * GiB),)
    fired = t.observe("edge", sample(T0 + 10_000, filesystems=full), at_ms=0)
    (sig,) = [s for s in fired if s.labels["reason"] == "NodeFilesystemFull"]
    assert sig.active and sig.labels["severity"] == "critical"
    assert sig.labels["mountpoint"] == "/"
    assert sig.annotations["summary"] == "node n1 filesystem / 97 % full (97 GiB of 100 GiB)"


def test_a_filesystem_filling_steadily_is_full_soon_before_it_crosses_any_threshold() -> None:
    t = NodeThresholds(NodeMetricsSpec())
    fired: list[AlertSignal] = []
    for k in range(0, 7 * 12 + 1):  # seven hours at 5-minute samples, 1 GiB/h from 40 GiB
        used = int((40 + k / 12) * GiB)
        fs = (Filesystem("/", fstype="ext4", total_bytes=60 * GiB, used_bytes=used),)
        fired += t.observe("edge", sample(T0 + k * 5 * MIN, filesystems=fs), at_ms=k)
    soon = [s for s in fired if s.labels["reason"] == "NodeFilesystemFullSoon" and s.active]
    assert soon, "a disk 13 h from full within the 24 h horizon must be reported"
    assert "growing 1.0 GiB/h; full in" in soon[0].annotations["summary"]
    assert not [s for s in fired if s.labels["reason"] == "NodeFilesystemFull" and s.active]


def test_thresholds_come_from_the_config_and_can_be_switched_off() -> None:
    strict = NodeThresholds(NodeMetricsSpec(memory_percent=20.0, memory_for="0s"))
    got = strict.observe("edge", sample(T0), at_ms=0)
    (mem,) = [s for s in got if s.labels["reason"] == "NodeMemoryHigh"]
    assert mem.active
    assert mem.annotations["summary"] == (
        "node n1 memory 25 % used (2.0 GiB of 8.0 GiB; threshold 20 %)"
    )
    assert NodeThresholds(NodeMetricsSpec(enabled=False)).observe("edge", sample(T0), at_ms=0) == []


def test_load_per_core_and_temperature() -> None:
    t = NodeThresholds(NodeMetricsSpec(load_for="0s", temperature_for="0s"))
    got = active(t.observe("edge", sample(T0, load5=5.0, cpu_temp_c=91.0), at_ms=0))
    assert got["NodeHighLoad:"] is True  # 2.5 per core on two cores
    assert got["NodeHotCPU:"] is True
