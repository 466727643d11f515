from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from agent.detect.context import IndexContext
from agent.detect.registry import detect
from agent.detect.settings import DetectSettings
from agent.detect.tracker import Tracker
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef
from tests.unit.detect.fixtures import MINUTE_MS, NOW_MS, load, pick

KEY = ("shop", "api-6b7f9c9d8-crash")


def crash_pod() -> dict[str, object]:
    return pick(load("pods.json"), "Pod", "api-6b7f9c9d8-crash")


def findings_at(pod: dict[str, object], now_ms: int) -> list[Finding]:
    return detect("Pod", pod, now=now_ms)


def test_new_findings_are_emitted_once_and_unchanged_ones_never_again() -> None:
    tracker = Tracker()
    pod = crash_pod()
    first = tracker.observe("Pod", KEY, findings_at(pod, NOW_MS), NOW_MS)
    assert sorted(f.reason for f in first) == ["CrashLoopBackOff", "OOMKilled"]
    assert tracker.observe("Pod", KEY, findings_at(pod, NOW_MS + 1000), NOW_MS + 1000) == []
    # Even long after: nothing changed, nothing to journal.
    later = NOW_MS + 30 * MINUTE_MS
    assert tracker.observe("Pod", KEY, findings_at(pod, later), later) == []
    assert len(tracker.active()) == 2


def test_condition_clearing_emits_a_resolution_with_the_same_fingerprint() -> None:
    tracker = Tracker()
    [crash, oom] = tracker.observe("Pod", KEY, findings_at(crash_pod(), NOW_MS), NOW_MS)
    out = tracker.observe("Pod", KEY, [oom], NOW_MS + 5000)
    assert [(f.fingerprint, f.resolved) for f in out] == [(crash.fingerprint, True)]
    assert out[0].last_seen_ms == NOW_MS + 5000
    assert [f.fingerprint for f in tracker.active()] == [oom.fingerprint]


def test_deleting_the_object_resolves_all_its_findings() -> None:
    tracker = Tracker()
    emitted = tracker.observe("Pod", KEY, findings_at(crash_pod(), NOW_MS), NOW_MS)
    out = tracker.delete("Pod", KEY, NOW_MS + 1)
    assert {f.fingerprint for f in out} == {f.fingerprint for f in emitted}
    assert all(f.resolved for f in out)
    assert tracker.active() == []


def test_restart_count_changes_are_throttled_but_severity_changes_are_not() -> None:
    tracker = Tracker(DetectSettings(change_throttle_s=300))
    pod = crash_pod()
    [opened, _] = tracker.observe("Pod", KEY, findings_at(pod, NOW_MS), NOW_MS)
    status = pod["status"]["containerStatuses"][0]  # type: ignore[index]
    for i in range(1, 5):  # a restart per minute: within the throttle, no records
        status["restartCount"] = 12 + i
        t = NOW_MS + i * MINUTE_MS
        assert tracker.observe("Pod", KEY, findings_at(pod, t), t) == []
    crash = next(f for f in tracker.active() if f.reason == "CrashLoopBackOff")
    assert crash.count == 16  # the newest state is known, just not re-journaled yet
    status["restartCount"] = 18
    t = NOW_MS + 6 * MINUTE_MS
    [update] = tracker.observe("Pod", KEY, findings_at(pod, t), t)
    assert (update.reason, update.count, update.resolved) == ("CrashLoopBackOff", 18, False)
    assert update.first_seen_ms == opened.first_seen_ms
    # A severity change goes out at once.
    critical_oom = [
        replace(f, severity=Severity.CRITICAL) if f.reason == "OOMKilled" else f
        for f in findings_at(pod, t + 1000)
    ]
    [escalated] = tracker.observe("Pod", KEY, critical_oom, t + 1000)
    assert (escalated.reason, escalated.severity) == ("OOMKilled", Severity.CRITICAL)


def test_throttled_change_is_released_by_due_when_its_time_comes() -> None:
    tracker = Tracker(DetectSettings(change_throttle_s=300))
    pod = crash_pod()
    tracker.observe("Pod", KEY, findings_at(pod, NOW_MS), NOW_MS)
    pod["status"]["containerStatuses"][0]["restartCount"] = 13  # type: ignore[index]
    assert tracker.observe("Pod", KEY, findings_at(pod, NOW_MS + 1000), NOW_MS + 1000) == []
    assert tracker.due(NOW_MS + 2 * MINUTE_MS) == []
    [released] = tracker.due(NOW_MS + 6 * MINUTE_MS)
    assert released.count == 13
    assert tracker.due(NOW_MS + 20 * MINUTE_MS) == []


def test_resync_resolves_findings_of_objects_gone_during_a_relist() -> None:
    tracker = Tracker()
    objects = load("pods.json")
    ctx = IndexContext.from_objects(objects)
    for kind, obj in objects:
        key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
        tracker.observe(kind, key, detect(kind, obj, now=NOW_MS, ctx=ctx), NOW_MS)
    before = len(tracker.active())
    present = [("shop", "api-6b7f9c9d8-crash")]
    out = tracker.resync("Pod", present, NOW_MS + 1)
    assert all(f.resolved for f in out)
    assert len(out) == before - 2
    assert {f.subject.name for f in tracker.active()} == {"api-6b7f9c9d8-crash"}


def test_fingerprint_held_by_two_events_resolves_only_when_both_let_go() -> None:
    tracker = Tracker()
    subject = ObjectRef("Pod", "shop", "p")
    finding = Finding(
        fingerprint="fp",
        reason="Unhealthy",
        severity=Severity.WARNING,
        category="probe",
        subject=subject,
        message="probe failed",
        first_seen_ms=NOW_MS,
        last_seen_ms=NOW_MS,
    )
    assert tracker.observe("Event", ("shop", "e1"), [finding], NOW_MS) == [finding]
    assert tracker.observe("Event", ("shop", "e2"), [finding], NOW_MS) == []
    assert tracker.delete("Event", ("shop", "e1"), NOW_MS + 1) == []
    [resolved] = tracker.delete("Event", ("shop", "e2"), NOW_MS + 2)
    assert resolved.resolved
    assert resolved.fingerprint == "fp"


def test_restart_storm_runs_end_to_end_through_tracker_history() -> None:
    tracker = Tracker()
    ctx = IndexContext(history=tracker.history)
    pod = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-healthy")
    key = ("shop", pod["metadata"]["name"])
    records: list[Finding] = []
    for minute in range(7):
        pod["status"]["containerStatuses"][0]["restartCount"] = minute
        now = NOW_MS + minute * MINUTE_MS
        tracker.history.record_pod(pod, now)
        records += tracker.observe("Pod", key, detect("Pod", pod, now=now, ctx=ctx), now)
    # Opened at the fifth restart; the sixth, a minute later, is past the throttle.
    assert [(f.reason, f.count) for f in records] == [("RestartStorm", 5), ("RestartStorm", 6)]
    # Quiet for a window: the storm resolves.
    later = NOW_MS + 30 * MINUTE_MS
    tracker.history.record_pod(pod, later)
    [resolved] = tracker.observe("Pod", key, detect("Pod", pod, now=later, ctx=ctx), later)
    assert (resolved.reason, resolved.resolved) == ("RestartStorm", True)
    tracker.delete("Pod", key, later)
    assert len(tracker.history) == 0


def _finding(fp: str) -> Finding:
    return Finding(
        fingerprint=fp,
        reason="R",
        severity=Severity.WARNING,
        category="c",
        subject=ObjectRef("Pod", "n", fp),
        message="m",
        first_seen_ms=0,
        last_seen_ms=0,
    )


@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sets(st.sampled_from(["f1", "f2", "f3"]))),
        max_size=30,
    )
)
def test_journal_replay_reconstructs_exactly_the_active_set(
    steps: list[tuple[str, set[str]]],
) -> None:
    tracker = Tracker()
    replayed: set[str] = set()
    latest: dict[str, set[str]] = {}
    for i, (obj, fps) in enumerate(steps):
        for record in tracker.observe("Pod", ("n", obj), [_finding(fp) for fp in fps], i):
            (replayed.discard if record.resolved else replayed.add)(record.fingerprint)
        latest[obj] = fps
    expected = set().union(*latest.values()) if latest else set()
    assert replayed == expected == {f.fingerprint for f in tracker.active()}


def _pulling(pod: dict[str, Any], reason: str, message: str) -> dict[str, Any]:
    pod["status"]["containerStatuses"][0]["state"] = {
        "waiting": {"reason": reason, "message": message}
    }
    return pod


def test_image_pull_alternation_is_one_finding_opened_once_and_resolved_when_it_runs() -> None:
    tracker = Tracker()
    pod = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-imagepull")
    key = ("shop", pod["metadata"]["name"])
    phases = [
        ("ErrImagePull", "rpc error: code = NotFound desc = failed to pull image: not found"),
        ("ImagePullBackOff", 'Back-off pulling image "registry.example.com/shop/api:1.4.3-typo"'),
    ]
    records: list[Finding] = []
    for cycle in range(40):  # kubelet swaps the waiting reason every back-off cycle (~10-20 s)
        now = NOW_MS + cycle * 15_000
        reason, message = phases[cycle % 2]
        found = detect("Pod", _pulling(pod, reason, message), now=now)
        assert [(f.reason, f.attrs["waiting_reason"]) for f in found] == [
            ("ImagePullBackOff", reason)
        ]
        records += tracker.observe("Pod", key, found, now)
    # One fingerprint opened once and never resolved; after it, only the throttled message
    # updates (at most one per change_throttle_s = 5 min over these 10 minutes).
    assert not any(f.resolved for f in records)
    assert len({f.fingerprint for f in records}) == 1
    assert len(records) <= 1 + (40 * 15_000) // 60_000

    pod["status"]["containerStatuses"][0]["state"] = {"running": {"startedAt": "2024-05-01"}}
    pod["status"]["containerStatuses"][0]["ready"] = True
    done = NOW_MS + 41 * 15_000
    out = tracker.observe("Pod", key, detect("Pod", pod, now=done), done)
    [resolved] = [f for f in out if f.fingerprint == records[0].fingerprint]
    assert resolved.resolved


def test_invalid_image_name_keeps_its_own_fingerprint() -> None:
    pod = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-imagepull")
    [pull] = detect("Pod", pod, now=NOW_MS)
    [invalid] = detect("Pod", _pulling(pod, "InvalidImageName", "bad ref"), now=NOW_MS)
    assert invalid.reason == "InvalidImageName"
    assert invalid.fingerprint != pull.fingerprint


def test_about_lists_the_events_holding_findings_about_an_object_until_they_let_go() -> None:
    tracker = Tracker()
    pod_key = ("shop", "p")
    finding = replace(_finding("fp"), subject=ObjectRef("Pod", "shop", "p"))
    tracker.observe("Event", ("shop", "e1"), [finding], NOW_MS)
    tracker.observe("Event", ("shop", "e2"), [finding], NOW_MS)
    tracker.observe("Pod", pod_key, [finding], NOW_MS)  # the subject's own findings: not "about"
    assert tracker.about("Pod", pod_key) == [("Event", ("shop", "e1")), ("Event", ("shop", "e2"))]
    tracker.observe("Event", ("shop", "e1"), [], NOW_MS + 1)
    tracker.delete("Event", ("shop", "e2"), NOW_MS + 2)
    assert tracker.about("Pod", pod_key) == []


def _crash_again(pod: dict[str, Any], *, at_ms: int, reason: str, code: int) -> None:
    """One more crash of the fixture pod's container, finishing at ``at_ms``."""
    status = pod["status"]["containerStatuses"][0]
    status["restartCount"] += 1
    finished = datetime.fromtimestamp(at_ms / 1000, UTC).isoformat()
    status["lastState"] = {
        "terminated": {"reason": reason, "exitCode": code, "finishedAt": finished}
    }


def test_crash_loop_keeps_its_live_count_exit_and_last_seen_at_most_once_a_minute() -> None:
    tracker = Tracker(DetectSettings(change_throttle_s=60))
    pod: dict[str, Any] = crash_pod()
    [opened] = [
        f
        for f in tracker.observe("Pod", KEY, findings_at(pod, NOW_MS), NOW_MS)
        if f.reason == "CrashLoopBackOff"
    ]
    records: list[tuple[int, Finding]] = []
    for step in range(1, 16):  # a crash every 20 s for five minutes
        t = NOW_MS + step * 20_000
        _crash_again(pod, at_ms=t - 500, reason="Error", code=2)
        out = tracker.observe("Pod", KEY, findings_at(pod, t), t) + tracker.due(t)
        records += [(t, f) for f in out if f.fingerprint == opened.fingerprint]
    times = [t for t, _ in records]
    assert len(records) == 5  # 300 s of changes, one record per 60 s
    assert all(b - a >= 60_000 for a, b in zip([NOW_MS, *times], times, strict=False))
    t, last = records[-1]
    assert last.count == 12 + 15 == int(last.attrs["restart_count"])
    assert (last.attrs["last_reason"], last.attrs["exit_code"]) == ("Error", "2")
    assert "27 restarts, last exit Error (code 2)" in last.message
    assert last.last_seen_ms == t - 500  # the latest crash, not the first sighting
    assert last.first_seen_ms == opened.first_seen_ms
    assert not last.resolved
