"""kubesim's metrics.k8s.io: usage that moves, a leaking pod that grows, in the quantities
metrics-server writes."""

from __future__ import annotations

from typing import Any

from agent.pod_metrics.reading import node_usage, pod_usage
from kubesim.kinds import FAULT_LABEL
from kubesim.store import Store
from kubesim.usage import LEAK, LEAK_BYTES_PER_MIN, container_usage, node_metrics, pod_metrics

T0 = 1_800_000_000.0


def _pod(name: str, *, leak: bool = False) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "demo",
            "labels": {FAULT_LABEL: LEAK} if leak else {},
        },
        "spec": {"containers": [{"name": "app", "resources": {"requests": {"memory": "64Mi"}}}]},
        "status": {"phase": "Running", "startTime": "2027-01-15T08:00:00Z"},
    }


def test_usage_moves_over_minutes_and_differs_between_pods() -> None:
    c = _pod("a")["spec"]["containers"][0]
    cpus = {round(container_usage(_pod("a"), c, T0 + 30 * i)[0], 3) for i in range(10)}
    assert len(cpus) > 5
    assert container_usage(_pod("a"), c, T0) != container_usage(_pod("b"), c, T0)


def test_a_leaking_pod_grows_steadily_and_a_quiet_one_does_not() -> None:
    leak, quiet = _pod("leaky", leak=True), _pod("quiet")
    c = leak["spec"]["containers"][0]
    first, later = container_usage(leak, c, T0)[1], container_usage(leak, c, T0 + 600)[1]
    assert later - first >= 9 * LEAK_BYTES_PER_MIN
    q1, q2 = container_usage(quiet, c, T0)[1], container_usage(quiet, c, T0 + 600)[1]
    assert abs(q2 - q1) < 0.1 * 64 * 2**20


def test_the_lists_read_back_through_the_agents_reader() -> None:
    store = Store()
    pod = _pod("web-1")
    pod["spec"]["nodeName"] = "n1"
    store.create("pods", pod)
    store.create("nodes", {"metadata": {"name": "n1"}})
    pods = pod_usage(pod_metrics(store, T0)["items"])
    assert pods.skipped == 0
    [p] = pods.items
    assert (p.namespace, p.pod, [c.name for c in p.containers]) == ("demo", "web-1", ["app"])
    [n] = node_usage(node_metrics(store, T0)["items"]).items
    assert n.memory_bytes > p.containers[0].memory_bytes
