"""Container windows and their signals: samples appended once each and bounded, a leaking
container predicted to reach its limit, a steady one quiet, and both signals resolving."""

from __future__ import annotations

from master.anomaly.detectors import MEMORY
from master.anomaly_service.evaluation import container_signals
from master.anomaly_service.windows import Windows
from master.store.repositories.pod_metrics import ContainerSample

MiB = 2**20
T0 = 1_780_000_000_000


def _sample(
    at_ms: int,
    mem: int,
    *,
    pod: str = "api-0",
    limit: int | None = 512 * MiB,
    cpu_m: float = 100.0,
    cpu_limit_m: float | None = 500.0,
) -> ContainerSample:
    return ContainerSample("edge", "shop", pod, "main", "Deployment/api", at_ms, cpu_m, mem,
                           cpu_limit_m, limit, 0, at_ms + 5)  # fmt: skip


def test_each_sample_is_kept_once_and_each_container_bounded() -> None:
    w = Windows(window_s=3600, max_points=5, max_containers=2)
    for i in range(8):
        w.add(_sample(T0 + i * 30_000, 100 * MiB))
    w.add(_sample(T0 + 7 * 30_000, 999 * MiB))  # the same moment again: an overlapping page
    (window,) = w.by_key.values()
    assert len(window.memory) == 5 and window.memory[-1].value == 100 * MiB
    assert window.cpu[-1].value == 0.1 and window.cpu_limit == 0.5
    w.add(_sample(T0, MiB, pod="api-1"))
    w.add(_sample(T0 + 1, MiB, pod="api-2"))  # a third container: the quietest goes
    assert sorted(k[2] for k in w.by_key) == ["api-0", "api-2"] and w.dropped == 1
    w.expire(T0 + 7 * 30_000 + 180_000)
    assert sorted(k[2] for k in w.by_key) == ["api-0"]  # api-2 was last heard at T0 + 1
    w.expire(T0 + 7 * 30_000 + 180_001)
    assert w.by_key == {}


def test_a_leaking_container_is_predicted_to_reach_its_limit_and_a_steady_one_is_not() -> None:
    w = Windows(window_s=3600)
    for i in range(120):  # an hour at 30 s: 200 MiB growing 2 MiB/min, limit 512 MiB
        at = T0 + i * 30_000
        w.add(_sample(at, 200 * MiB + i * MiB + (i % 3) * 100_000))
        w.add(_sample(at, 300 * MiB + (i % 5) * 2 * MiB, pod="steady"))
    now = T0 + 119 * 30_000
    by_pod = {
        key[2]: {s.labels["reason"]: s for s in container_signals(key, win, now_ms=now)}
        for key, win in w.by_key.items()
    }
    leak = by_pod["api-0"]["PredictedOOM"]
    assert leak.active and leak.labels["statistical"] == "true"
    assert leak.labels["owner"] == "Deployment/api" and leak.labels["container"] == "main"
    assert "reaches its 512 MiB limit" in leak.annotations["summary"]
    assert not by_pod["api-0"]["CPUThrottled"].active  # 100m of a 500m limit
    assert not any(s.active for s in by_pod["steady"].values())


def test_cpu_pinned_at_its_limit_is_throttling_and_no_limit_means_no_prediction() -> None:
    w = Windows(window_s=3600)
    for i in range(40):
        w.add(_sample(T0 + i * 30_000, 100 * MiB + i * 4 * MiB, limit=None, cpu_m=498.0))
    ((key, win),) = w.by_key.items()
    signals = {s.labels["reason"]: s for s in container_signals(key, win, now_ms=T0 + 39 * 30_000)}
    assert signals["CPUThrottled"].active
    assert not signals["PredictedOOM"].active  # growing, but nothing to predict against
    assert MEMORY.window_s == 3600  # the default the service shortens only when told
