"""metrics.k8s.io lists as metrics-server writes them → usage values."""

from __future__ import annotations

import pytest

from agent.pod_metrics.reading import duration_ms, node_usage, pod_usage, timestamp_ms
from shared.domain.podmetrics import ContainerUsage, NodeUsage, PodUsage

POD = {
    "metadata": {"name": "web-1", "namespace": "shop"},
    "timestamp": "2024-05-01T10:00:00Z",
    "window": "20.5s",
    "containers": [
        {"name": "app", "usage": {"cpu": "12345678n", "memory": "65536Ki"}},
        {"name": "sidecar", "usage": {"cpu": "0", "memory": "1Mi"}},
    ],
}
T0 = 1_714_557_600_000  # 2024-05-01T10:00:00Z


def test_a_pod_reads_as_millicores_and_bytes_per_container() -> None:
    read = pod_usage([POD])
    assert read.skipped == 0
    assert read.items == (
        PodUsage(
            "shop",
            "web-1",
            T0,
            20_500,
            (
                ContainerUsage("app", pytest.approx(12.345678), 64 * 2**20),  # type: ignore[arg-type]
                ContainerUsage("sidecar", 0.0, 2**20),
            ),
        ),
    )


def test_a_pod_with_an_unreadable_quantity_is_skipped_whole_and_counted() -> None:
    bad = {**POD, "containers": [*POD["containers"], {"name": "x", "usage": {"cpu": "lots"}}]}
    read = pod_usage([bad, POD, {"metadata": {}}])
    assert [p.pod for p in read.items] == ["web-1"]
    assert read.skipped == 2


def test_a_node_reads_as_millicores_and_bytes() -> None:
    item = {
        "metadata": {"name": "n1"},
        "timestamp": "2024-05-01T10:00:00Z",
        "window": "1m0s",
        "usage": {"cpu": "1500m", "memory": "2Gi"},
    }
    assert node_usage([item]).items == (NodeUsage("n1", T0, 60_000, 1500.0, 2 * 2**30),)


@pytest.mark.parametrize(
    ("text", "ms"), [("20s", 20_000), ("1m0.5s", 60_500), ("150ms", 150), ("1h", 3_600_000)]
)
def test_go_durations_read_in_milliseconds(text: str, ms: int) -> None:
    assert duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "20", "s", "20 s", "1x"])
def test_other_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        duration_ms(text)


def test_timestamps_need_a_zone() -> None:
    assert timestamp_ms("2024-05-01T10:00:00.250Z") == T0 + 250
    with pytest.raises(ValueError, match="without zone"):
        timestamp_ms("2024-05-01T10:00:00")
