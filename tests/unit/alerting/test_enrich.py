"""Enrichment at fire time: which alerts get log lines, how they are clipped, and that a slow
or failing fetch costs the notification at most the budget and one line."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from master.alerting.enrich import LogEnricher, LogSubject, clip_tail, subjects, title
from master.alerting.pod_events import recent_lines
from master.notify.message import Notification
from tests.unit.notify.samples import T0, crashloop, pod_alert, resolved

REASONS = frozenset({"CrashLoopBackOff", "OOMKilled"})


def _with_reason(n: Notification, index: int, reason: str, kind: str = "Pod") -> Notification:
    alerts = list(n.alerts)
    a = alerts[index]
    alerts[index] = replace(a, labels={**a.labels, "reason": reason, "kind": kind})
    return replace(n, alerts=tuple(alerts))


def test_crash_looping_and_oom_killed_pods_are_enriched_at_most_n_each_once() -> None:
    n = _with_reason(crashloop(5), 1, "OOMKilled")
    n = replace(n, alerts=(*n.alerts, n.alerts[0]))  # the same pod twice
    found = subjects(n, reasons=REASONS, limit=3)
    assert [s.pod for s in found] == ["api-7d9f-0000", "api-7d9f-0001", "api-7d9f-0002"]
    assert all(s.previous and s.cluster == "prod-eu" and s.namespace == "shop" for s in found)


def test_the_finding_s_container_is_the_one_read_and_named() -> None:
    a = pod_alert(0)
    a = replace(a, annotations={**a.annotations, "container": "main"})
    [s] = subjects(replace(crashloop(0), alerts=(a,)), reasons=REASONS, limit=3)
    assert s.container == "main"
    assert title(s) == "Last log lines of shop/api-7d9f-0000 (main, previous)"


def test_other_reasons_other_kinds_and_resolved_notifications_are_not() -> None:
    n = _with_reason(_with_reason(crashloop(2), 0, "ImagePullBackOff"), 1, "OOMKilled", "Node")
    assert subjects(n, reasons=REASONS, limit=3) == []
    assert subjects(resolved(crashloop(2), key="r", at_ms=1), reasons=REASONS, limit=3) == []
    no_name = replace(pod_alert(0), labels={**pod_alert(0).labels, "name": ""})
    assert subjects(replace(crashloop(0), alerts=(no_name,)), reasons=REASONS, limit=3) == []


def test_clipping_keeps_the_last_lines_from_a_line_start() -> None:
    text = "\n".join(f"line {i}" for i in range(100))
    assert clip_tail(text, 10_000) == text
    cut = clip_tail(text, 30)
    assert len(cut) <= 30 and cut.startswith("…line ") and cut.endswith("line 99")
    assert "\n".join(cut[1:].splitlines()) in text
    assert clip_tail("x" * 50, 10) == "…" + "x" * 9


async def test_logs_are_attached_per_pod_within_the_size_limits() -> None:
    calls: list[tuple[LogSubject, int, str]] = []

    async def fetch(s: LogSubject, lines: int, _timeout: float, key: str) -> str:
        calls.append((s, lines, key))
        return "\n".join(f"{s.pod} boom {i}" for i in range(500)) + "\n"

    enrich = LogEnricher(fetch, per_attachment_chars=1_000, total_chars=2_500)
    found = await enrich(crashloop(4), "row-key")
    assert [c[1] for c in calls] == [20, 20, 20]
    assert len({c[2] for c in calls}) == 3 and all(c[2].startswith("row-key-") for c in calls)
    assert [a.title for a in found] == [title(c[0]) for c in calls]
    assert found[0].title == "Last log lines of shop/api-7d9f-0000 (previous)"
    assert all(a.kind == "logs" for a in found)
    assert [len(a.text) <= 1_000 for a in found] == [True, True, True]
    assert sum(len(a.text) for a in found) <= 2_500
    assert found[0].text.endswith("api-7d9f-0000 boom 499")


async def test_a_slow_or_failing_fetch_becomes_one_line_and_never_outlasts_the_budget() -> None:
    never = asyncio.Event()
    cancelled: list[str] = []

    async def fetch(s: LogSubject, _lines: int, _timeout: float, _key: str) -> str:
        if s.pod.endswith("0"):
            return "ok line"
        if s.pod.endswith("1"):
            raise RuntimeError("pod api-7d9f-0001 not found\nmore detail")
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.append(s.pod)
            raise
        return "never"

    enrich = LogEnricher(fetch, budget_s=0.05)
    found = await enrich(crashloop(3), "k")
    assert [a.text for a in found] == [
        "ok line",
        "logs unavailable: pod api-7d9f-0001 not found",
        "logs unavailable: no answer within 0.05 s",
    ]
    await asyncio.sleep(0)
    assert cancelled == ["api-7d9f-0002"]  # the late fetch does not linger


async def test_nothing_to_enrich_runs_no_command() -> None:
    async def fetch(*_a: object) -> str:
        raise AssertionError("no fetch expected")

    assert await LogEnricher(fetch)(resolved(crashloop(2), key="r", at_ms=1), "k") == ()


def test_only_alerts_new_in_the_notification_are_enriched_not_repeats_or_old_members() -> None:
    n = crashloop(3)
    alerts = list(n.alerts)
    alerts[0] = replace(alerts[0], new=False)
    alerts[2] = replace(alerts[2], new=False)
    assert [
        s.pod for s in subjects(replace(n, alerts=tuple(alerts)), reasons=REASONS, limit=3)
    ] == ["api-7d9f-0001"]
    repeat = replace(n, alerts=tuple(replace(a, new=False) for a in n.alerts))
    assert subjects(repeat, reasons=REASONS, limit=3) == []


def test_a_rule_s_enrich_annotation_wins_over_the_reason() -> None:
    n = _with_reason(crashloop(2), 0, "ImagePullBackOff")
    on = replace(n.alerts[0], annotations={**n.alerts[0].annotations, "enrich": "true"})
    off = replace(n.alerts[1], annotations={**n.alerts[1].annotations, "enrich": "false"})
    found = subjects(replace(n, alerts=(on, off)), reasons=REASONS, limit=3)
    assert [s.pod for s in found] == ["api-7d9f-0000"]


def _event(reason: str, at_s: int, *, pod: str = "api-7d9f-0000", **extra: Any) -> dict[str, Any]:
    from datetime import UTC, datetime

    ts = datetime.fromtimestamp((T0 // 1000) - at_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "type": "Warning" if reason == "BackOff" else "Normal",
        "reason": reason,
        "message": f"{reason} of {pod}\n  (detail)",
        "involvedObject": {"kind": "Pod", "name": pod},
        "lastTimestamp": ts,
        **extra,
    }


def test_recent_events_are_the_newest_few_oldest_first_with_ages_and_counts() -> None:
    events = [
        _event("Scheduled", 3_600),
        _event("BackOff", 30, count=14),
        _event("Pulled", 300),
        _event("Started", 200, series={"count": 3, "lastObservedTime": None}),
    ]
    assert recent_lines(events, now_ms=T0, limit=3) == [
        "5m ago  Normal  Pulled  Pulled of api-7d9f-0000 (detail)",
        "3m ago  Normal  Started (x3)  Started of api-7d9f-0000 (detail)",
        "30s ago  Warning  BackOff (x14)  BackOff of api-7d9f-0000 (detail)",
    ]
    assert recent_lines([{"reason": "Odd"}], now_ms=T0, limit=3) == ["? ago  Normal  Odd  "]
    assert recent_lines(events, now_ms=T0, limit=0) == []


async def test_one_events_attachment_lists_each_enriched_pod_s_events_after_the_logs() -> None:
    asked: list[tuple[str, str, str]] = []

    def events(cluster: str, ns: str, pod: str) -> list[Mapping[str, Any]]:
        asked.append((cluster, ns, pod))
        return [] if pod.endswith("2") else [_event("BackOff", 60, pod=pod)]

    async def fetch(s: LogSubject, *_a: object) -> str:
        return "log of " + s.pod

    enrich = LogEnricher(fetch, events=events, clock=lambda: T0)
    found = await enrich(crashloop(3), "k")
    assert [a.kind for a in found] == ["logs", "logs", "logs", "events"]
    assert asked == [("prod-eu", "shop", f"api-7d9f-000{i}") for i in range(3)]
    assert found[3].title == "Recent events of 2 pods"
    assert found[3].text == (
        "shop/api-7d9f-0000:\n60s ago  Warning  BackOff  BackOff of api-7d9f-0000 (detail)\n\n"
        "shop/api-7d9f-0001:\n60s ago  Warning  BackOff  BackOff of api-7d9f-0001 (detail)"
    )
    one = await enrich(crashloop(1), "k")
    assert one[-1].title == "Recent events of shop/api-7d9f-0000"
    assert one[-1].text.startswith("60s ago  Warning  BackOff")
    quiet = LogEnricher(fetch, events=lambda *_: [], clock=lambda: T0, events_settle_s=0.01)
    assert [a.kind for a in await quiet(crashloop(1), "k")] == ["logs"]


async def test_events_still_on_their_way_to_the_mirror_are_looked_for_once_more() -> None:
    calls: list[str] = []

    def events(_c: str, _ns: str, pod: str) -> list[Mapping[str, Any]]:
        calls.append(pod)  # none on the first look (the delta window), there on the second
        return [_event("BackOff", 1, pod=pod)] if len(calls) > 1 else []

    async def fetch(s: LogSubject, *_a: object) -> str:
        return "log of " + s.pod

    enrich = LogEnricher(fetch, events=events, clock=lambda: T0, events_settle_s=0.05)
    found = await enrich(crashloop(1), "k")
    assert [a.kind for a in found] == ["logs", "events"] and calls == ["api-7d9f-0000"] * 2


async def test_long_logs_leave_the_events_their_own_room() -> None:
    def events(_c: str, _ns: str, pod: str) -> list[Mapping[str, Any]]:
        return [_event("BackOff", 5, pod=pod)]

    async def fetch(s: LogSubject, *_a: object) -> str:
        return "\n".join(f"{s.pod} step {i}" for i in range(500))

    enrich = LogEnricher(fetch, events=events, clock=lambda: T0, events_chars=1_200)
    found = await enrich(crashloop(3), "k")
    assert sum(len(a.text) for a in found) <= enrich.total_chars
    (ev,) = [a for a in found if a.kind == "events"]
    # every pod's events, the first one's too: not clipped to the last pod
    assert all(f"shop/api-7d9f-000{i}:" in ev.text for i in range(3)), ev.text
