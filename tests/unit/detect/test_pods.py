from __future__ import annotations

import pytest

from agent.detect.context import IndexContext
from agent.detect.history import RestartHistory
from agent.detect.registry import detect
from shared.domain.findings import Severity
from shared.domain.refs import ObjectRef
from tests.unit.detect.fixtures import MINUTE_MS, NOW_MS, judge, load, pick, reasons

PODS = "pods.json"


@pytest.mark.parametrize(
    ("pod", "expected"),
    [
        ("api-6b7f9c9d8-crash", ["CrashLoopBackOff", "OOMKilled"]),
        ("api-6b7f9c9d8-oom-recent", ["OOMKilled"]),
        ("api-6b7f9c9d8-imagepull", ["ImagePullBackOff"]),
        ("api-6b7f9c9d8-errimagepull", ["ImagePullBackOff"]),  # rules.ALIASES
        ("api-6b7f9c9d8-invalidimage", ["InvalidImageName"]),
        ("api-6b7f9c9d8-configerror", ["CreateContainerConfigError"]),
        ("api-6b7f9c9d8-createerror", ["CreateContainerError"]),
        ("api-6b7f9c9d8-runerror", ["RunContainerError"]),
        ("api-6b7f9c9d8-initfail", ["InitContainerFailed"]),
        ("api-6b7f9c9d8-unschedulable", ["Unschedulable"]),
        ("api-6b7f9c9d8-evicted", ["Evicted"]),
        ("api-6b7f9c9d8-notready", ["PodNotReady"]),
        ("api-6b7f9c9d8-stuck", ["StuckTerminating"]),
    ],
)
def test_each_pod_rule_fires_on_its_fixture(pod: str, expected: list[str]) -> None:
    assert reasons(judge(PODS, "Pod", pod)) == expected


@pytest.mark.parametrize(
    "pod",
    [
        "api-6b7f9c9d8-healthy",
        "backup-28573920-x7k2p",  # completed Job pod
        "api-6b7f9c9d8-rollout-new",  # mid-rollout, not ready for 30 s
        "api-6b7f9c9d8-terminating",  # not ready, but being deleted within its grace
        "api-6b7f9c9d8-oom-old",  # OOMKilled three hours ago, healthy since
        "api-6b7f9c9d8-unschedulable-new",  # pending for one minute
        "worker-0",
        "bare",
    ],
)
def test_healthy_completed_new_and_terminating_pods_have_no_findings(pod: str) -> None:
    assert judge(PODS, "Pod", pod) == []


def test_crash_loop_reports_restart_count_and_oom_as_last_termination() -> None:
    crash = next(
        f for f in judge(PODS, "Pod", "api-6b7f9c9d8-crash") if f.reason == "CrashLoopBackOff"
    )
    assert crash.severity is Severity.CRITICAL
    assert crash.count == 12
    assert dict(crash.attrs) == {
        "container": "app",
        "restart_count": "12",
        "last_reason": "OOMKilled",
        "exit_code": "137",
    }
    assert "12 restarts" in crash.message
    assert "OOMKilled" in crash.message
    assert crash.node == "worker-1"
    assert crash.subject.kind == "Pod"
    assert crash.subject.uid


def test_pod_owner_resolves_through_known_replicaset_to_its_deployment() -> None:
    objects = load(PODS) + load("workloads.json")
    ctx = IndexContext.from_objects(objects)
    pod = pick(objects, "Pod", "api-6b7f9c9d8-crash")
    [crash, _] = detect("Pod", pod, now=NOW_MS, ctx=ctx)
    rs_meta = pick(objects, "ReplicaSet", "api-6b7f9c9d8")["metadata"]
    assert crash.owner is not None
    assert (crash.owner.kind, crash.owner.name) == ("Deployment", "api")
    assert crash.owner.uid == rs_meta["ownerReferences"][0]["uid"]


def test_pod_owner_falls_back_to_deployment_named_by_pod_template_hash() -> None:
    [crash, _] = judge(PODS, "Pod", "api-6b7f9c9d8-crash", with_context=False)
    assert crash.owner == ObjectRef("Deployment", "shop", "api")


def test_pod_owned_by_a_statefulset_keeps_the_statefulset_as_owner() -> None:
    pod = pick(load(PODS), "Pod", "worker-0")
    pod["status"]["conditions"][1]["status"] = "False"
    [finding] = detect("Pod", pod, now=NOW_MS)
    assert finding.owner == ObjectRef(
        "StatefulSet", "shop", "worker", pod["metadata"]["ownerReferences"][0]["uid"]
    )


def test_crash_looping_pod_is_not_also_reported_not_ready() -> None:
    pod = pick(load(PODS), "Pod", "api-6b7f9c9d8-crash")
    assert pod["status"]["conditions"][1]["type"] == "Ready"
    pod["status"]["conditions"][1]["lastTransitionTime"] = "2024-05-01T10:00:00Z"
    assert "PodNotReady" not in reasons(detect("Pod", pod, now=NOW_MS))


def test_not_ready_pod_fires_only_after_threshold() -> None:
    pod = pick(load(PODS), "Pod", "api-6b7f9c9d8-notready")  # not ready since NOW - 15 min
    assert detect("Pod", pod, now=NOW_MS - 11 * MINUTE_MS) == []
    assert reasons(detect("Pod", pod, now=NOW_MS - 9 * MINUTE_MS)) == ["PodNotReady"]


def test_pod_without_status_or_spec_has_no_findings() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "d"}}
    assert detect("Pod", pod, now=NOW_MS) == []


def test_restart_storm_fires_from_history_of_restart_counts() -> None:
    pod = pick(load(PODS), "Pod", "api-6b7f9c9d8-healthy")
    history = RestartHistory(keep_ms=10 * MINUTE_MS)
    ctx = IndexContext(history=history)
    status = pod["status"]["containerStatuses"][0]
    for minute, count in enumerate([0, 2, 4, 6]):
        status["restartCount"] = count
        history.record_pod(pod, NOW_MS - (6 - 2 * minute) * MINUTE_MS)
    [storm] = detect("Pod", pod, now=NOW_MS, ctx=ctx)
    assert storm.reason == "RestartStorm"
    assert storm.count == 6
    assert storm.attrs["container"] == "app"


def test_restart_storm_ignores_restarts_spread_beyond_the_window() -> None:
    pod = pick(load(PODS), "Pod", "api-6b7f9c9d8-healthy")
    history = RestartHistory(keep_ms=10 * MINUTE_MS)
    status = pod["status"]["containerStatuses"][0]
    for i, count in enumerate([0, 2, 4, 6]):
        status["restartCount"] = count
        history.record_pod(pod, NOW_MS - (40 - 10 * i) * MINUTE_MS)  # 2 restarts per 10 min
    assert detect("Pod", pod, now=NOW_MS, ctx=IndexContext(history=history)) == []


def test_restart_history_counts_a_reset_counter_as_new_restarts() -> None:
    history = RestartHistory(keep_ms=10 * MINUTE_MS)
    for at, count in [(0, 7), (1, 9), (2, 1), (3, 3)]:
        history.record("ns", "p", "c", count=count, now_ms=at * MINUTE_MS)
    assert history.restarts_since("ns", "p", "c", -1) == 2 + 1 + 2
    assert history.restarts_since("ns", "p", "other", 0) is None
    history.forget("ns", "p")
    assert len(history) == 0


@pytest.mark.parametrize(("restarts", "wording"), [(1, "1 restart,"), (5, "5 restarts,")])
def test_crash_loop_message_agrees_with_its_restart_count(restarts: int, wording: str) -> None:
    pod = pick(load(PODS), "Pod", "api-6b7f9c9d8-crash")
    pod["status"]["containerStatuses"][0]["restartCount"] = restarts
    [crash] = [f for f in detect("Pod", pod, now=NOW_MS) if f.reason == "CrashLoopBackOff"]
    assert f"container app is crash-looping: {wording} last exit OOMKilled" in crash.message
    assert crash.count == restarts


def test_crash_loop_last_seen_is_its_latest_crash() -> None:
    [crash] = [
        f for f in judge(PODS, "Pod", "api-6b7f9c9d8-crash") if f.reason == "CrashLoopBackOff"
    ]
    assert crash.last_seen_ms == NOW_MS - 150_000  # lastState finishedAt 11:57:30
