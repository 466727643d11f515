from __future__ import annotations

from typing import Any

import pytest

from agent.detect.context import IndexContext
from agent.detect.registry import detect
from agent.detect.settings import DetectSettings
from shared.domain.refs import ObjectRef
from tests.unit.detect.fixtures import MINUTE_MS, NOW_MS, load, pick, reasons

EV = "events.json"
CRASH = "api-6b7f9c9d8-crash"


def event_named(prefix: str) -> dict[str, object]:
    for _kind, obj in load(EV):
        if obj["metadata"]["name"].startswith(prefix):
            return dict(obj)
    raise LookupError(prefix)


def by_subject_and_reason(subject: str, reason: str) -> list[str]:
    objects = load(EV)
    ctx = IndexContext.from_objects(objects)
    for _, obj in objects:
        io = obj.get("involvedObject") or obj["regarding"]
        if io["name"] == subject and obj["reason"] == reason:
            return reasons(detect("Event", obj, now=NOW_MS, ctx=ctx))
    raise LookupError((subject, reason))


@pytest.mark.parametrize(
    ("subject", "reason", "fires"),
    [
        ("api-6b7f9c9d8-unschedulable", "FailedScheduling", True),
        ("api-6b7f9c9d8-crash", "BackOff", True),
        ("api-6b7f9c9d8-configerror", "FailedMount", True),
        ("api-6b7f9c9d8-healthy", "FailedMount", False),  # last seen 2 h ago: stale
        ("db-0", "FailedAttachVolume", True),
        ("api-6b7f9c9d8-stuck", "FailedKillPod", True),
        ("api-6b7f9c9d8-evicted", "Evicted", True),
        ("api-6b7f9c9d8-healthy", "Pulled", False),  # Normal
        ("api-6b7f9c9d8-healthy", "Unhealthy", False),  # one failing probe
        ("api-6b7f9c9d8-notready", "Unhealthy", True),  # 6 failures in 3 minutes
        ("api-6b7f9c9d8-oom-recent", "Unhealthy", False),  # 4 failures over 6 hours
        ("api-6b7f9c9d8-healthy", "SomethingCustom", False),  # not in the configured list
        ("worker-notready", "Rebooted", False),
        ("api-6b7f9c9d8-runerror", "FailedCreatePodSandBox", True),  # events.k8s.io series
        ("api-6b7f9c9d8-imagepull", "FailedCreatePodSandBox", False),  # events.k8s.io, stale
    ],
)
def test_warning_event_rules(subject: str, reason: str, fires: bool) -> None:
    assert by_subject_and_reason(subject, reason) == ([reason] if fires else [])


def test_event_finding_is_about_the_involved_object_with_container_and_owner() -> None:
    objects = load(EV) + load("pods.json")
    ctx = IndexContext.from_objects(objects)
    [finding] = detect("Event", event_named("api-6b7f9c9d8-crash."), now=NOW_MS, ctx=ctx)
    assert finding.subject.key == ("Pod", "shop", "api-6b7f9c9d8-crash")
    assert finding.reason == "BackOff"
    assert finding.attrs["container"] == "app"
    assert finding.count == 57
    assert finding.node == "worker-1"
    assert finding.owner == ObjectRef("Deployment", "shop", "api")
    assert finding.first_seen_ms == NOW_MS - 45 * MINUTE_MS
    assert finding.last_seen_ms == NOW_MS - 30_000


def test_events_k8s_io_freshness_comes_from_series_last_observed_time() -> None:
    ev = event_named("api-6b7f9c9d8-runerror.")
    [finding] = detect("Event", ev, now=NOW_MS)
    assert finding.count == 14
    assert finding.last_seen_ms == NOW_MS - MINUTE_MS
    assert finding.node == "worker-2"
    # Eleven minutes later the series is no longer fresh.
    assert detect("Event", ev, now=NOW_MS + 10 * MINUTE_MS) == []


def test_configured_extra_event_reason_becomes_a_finding_in_the_event_category() -> None:
    objects = load(EV)
    custom = next(o for _, o in objects if o["reason"] == "SomethingCustom")
    settings = DetectSettings(event_reasons=("SomethingCustom",))
    [finding] = detect("Event", custom, now=NOW_MS, settings=settings)
    assert finding.category == "event"
    assert finding.reason == "SomethingCustom"


def test_event_and_pod_state_of_same_reason_have_different_fingerprints() -> None:
    [from_event] = detect("Event", event_named("api-6b7f9c9d8-evicted."), now=NOW_MS)
    [from_pod] = detect("Pod", pick(load("pods.json"), "Pod", "api-6b7f9c9d8-evicted"), now=NOW_MS)
    assert from_event.reason == from_pod.reason == "Evicted"
    assert from_event.fingerprint != from_pod.fingerprint


def _backoff_with(pods: list[tuple[str, Any]]) -> list[str]:
    """The fresh BackOff event about pod api-6b7f9c9d8-crash, judged with ``pods`` known."""
    ctx = IndexContext.from_objects([*load(EV), *pods])
    return reasons(detect("Event", event_named("api-6b7f9c9d8-crash."), now=NOW_MS, ctx=ctx))


def test_event_about_a_pod_missing_from_a_complete_pod_list_is_not_a_finding() -> None:
    others = [(k, o) for k, o in load("pods.json") if o["metadata"]["name"] != CRASH]
    assert others  # pods of namespace "shop" are known, the crash-looping one is not among them
    assert _backoff_with(others) == []


def test_event_about_a_pod_of_an_unknown_kind_or_namespace_stays_a_finding() -> None:
    assert _backoff_with([]) == ["BackOff"]  # no pods in the input at all: unknown, not gone
    elsewhere = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-healthy")
    elsewhere["metadata"] = {**elsewhere["metadata"], "namespace": "other"}
    assert _backoff_with([("Pod", elsewhere)]) == ["BackOff"]  # "shop" pods not listed


def test_event_about_an_earlier_pod_of_the_same_name_is_not_a_finding() -> None:
    pod = pick(load("pods.json"), "Pod", CRASH)
    assert _backoff_with([("Pod", pod)]) == ["BackOff"]
    pod["metadata"] = {**pod["metadata"], "uid": "recreated-under-the-same-name"}
    assert _backoff_with([("Pod", pod)]) == []


def test_event_without_a_uid_matches_its_pod_by_name() -> None:
    pod = pick(load("pods.json"), "Pod", CRASH)
    ev = event_named("api-6b7f9c9d8-crash.")
    involved = dict(ev["involvedObject"])  # type: ignore[call-overload]
    del involved["uid"]
    ev["involvedObject"] = involved
    renamed = {**pod, "metadata": {**pod["metadata"], "name": "another-pod"}}
    with_pod = IndexContext.from_objects([("Pod", pod)])
    without_pod = IndexContext.from_objects([("Pod", renamed)])
    assert reasons(detect("Event", ev, now=NOW_MS, ctx=with_pod)) == ["BackOff"]
    assert reasons(detect("Event", ev, now=NOW_MS, ctx=without_pod)) == []
