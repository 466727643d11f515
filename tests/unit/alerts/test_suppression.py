"""Silences, inhibition (configured and built in) and maintenance windows, under virtual time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from master.alerts.events import LinkEvent
from master.alerts.inhibit import Inhibition
from master.alerts.notifications import Notification
from master.alerts.silences import Silence
from shared.domain.findings import Severity
from shared.domain.refs import ObjectRef
from tests.unit.alerts.fixtures import (
    CONFIG,
    MIN,
    T0,
    H,
    S,
    engine,
    node_finding,
    pod_finding,
    seen,
    summary,
)


def _names(notifications: Iterable[Notification]) -> list[list[str]]:
    return [[a.labels.get("name", a.labels["alertname"]) for a in n.alerts] for n in notifications]


def test_a_silence_suppresses_and_its_expiry_restores_notifications():
    eng = engine()
    eng.add_silence(
        Silence.make(
            id="s1",
            matchers=['namespace="shop"', 'alertname=~"Crash.*"'],
            starts_at_ms=T0,
            ends_at_ms=T0 + 1 * H,
            created_by="alice",
            comment="deploying the fix",
        )
    )
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("other-a", namespace="cart", owner="other"), T0)
    due = eng.due(T0 + 30 * S)
    assert _names(due.notifications) == [["other-a"]]
    (view,) = [v for v in eng.view(T0 + MIN) if v.record.labels["name"] == "checkout-a"]
    assert view.silenced_by == ("s1",)
    ticks = [eng.due(T0 + 30 * S + k * 5 * MIN) for k in range(1, 12)]
    assert all(d.notifications == () for d in ticks)
    # The engine asks to be woken when the silence ends (before the next flush at 1h00m30s).
    assert eng.due(T0 + 56 * MIN).next_wake_ms == T0 + 1 * H
    # The silence ends at T0+1h; the group's next flush tells people about the alert.
    assert eng.due(T0 + 1 * H).notifications == ()
    restored = eng.due(T0 + 1 * H + 30 * S)
    assert _names(restored.notifications) == [["checkout-a"]]


def test_expiring_a_silence_early_restores_at_the_next_flush():
    eng = engine()
    eng.add_silence(
        Silence.make(
            id="s1",
            matchers=['cluster="prod"'],
            starts_at_ms=T0,
            ends_at_ms=T0 + 24 * H,
            created_by="alice",
            comment="",
        )
    )
    seen(eng, pod_finding("checkout-a"), T0)
    assert eng.due(T0 + 30 * S).notifications == ()
    eng.expire_silence("s1", now_ms=T0 + 7 * MIN)
    assert summary(eng.due(T0 + 10 * MIN + 30 * S)) == [("team", "firing", 1, 0)]


def test_a_not_ready_node_inhibits_the_pod_alerts_on_that_node_only():
    eng = engine()
    seen(eng, node_finding("node-1"), T0)
    for name in ("checkout-a", "checkout-b"):
        seen(eng, pod_finding(name, node="node-1"), T0)
    seen(eng, pod_finding("cart-a", owner="cart", node="node-2"), T0)
    due = eng.due(T0 + 30 * S)
    assert sorted(_names(due.notifications)) == [["cart-a"], ["node-1"]]
    views = {v.record.labels["name"]: v for v in eng.view(T0 + 30 * S)}
    node_fp = next(fp for fp, a in eng.alerts.items() if a.labels["name"] == "node-1")
    assert views["checkout-a"].inhibited_by == Inhibition("node-not-ready", node_fp)
    assert views["cart-a"].inhibited_by is None
    # The node comes back, its pods still crash: now they are news.
    seen(eng, node_finding("node-1", resolved=True), T0 + 2 * MIN)
    after = eng.due(T0 + 5 * MIN + 30 * S)
    assert sorted(summary(after)) == [("team", "firing", 2, 0), ("team", "resolved", 0, 1)]


def test_an_offline_cluster_inhibits_its_alerts_and_yields_one_cluster_offline_alert():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("checkout-a"), T0, cluster="staging")
    eng.observe(LinkEvent("prod", "offline", T0))
    due = eng.due(T0 + 30 * S)
    got = sorted((n.group_labels["cluster"], _names([n])[0]) for n in due.notifications)
    assert got == [("prod", ["ClusterOffline"]), ("staging", ["checkout-a"])]
    offline = next(n for n in due.notifications if n.group_labels["cluster"] == "prod")
    assert offline.alerts[0].labels == {
        "alertname": "ClusterOffline",
        "category": "link",
        "cluster": "prod",
        "reason": "ClusterOffline",
        "severity": "critical",
    }
    eng.observe(LinkEvent("prod", "reconnecting", T0 + MIN))  # not a change of judgement
    assert eng.due(T0 + 5 * MIN + 30 * S).notifications == ()
    eng.observe(LinkEvent("prod", "connected", T0 + 6 * MIN))
    back = eng.due(T0 + 10 * MIN + 30 * S)
    assert sorted(summary(back)) == [("team", "firing", 1, 0), ("team", "resolved", 0, 1)]


def test_a_firing_critical_inhibits_its_warning_twin_on_the_same_subject():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    seen(
        eng,
        pod_finding("checkout-a", reason="RestartStorm", severity=Severity.WARNING),
        T0,
    )
    seen(
        eng,
        pod_finding("checkout-b", reason="RestartStorm", severity=Severity.WARNING),
        T0,
    )
    seen(
        eng,
        pod_finding(
            "checkout-a", reason="PodNotReady", severity=Severity.WARNING, category="availability"
        ),
        T0,
    )
    (n,) = eng.due(T0 + 30 * S).notifications
    assert [(a.labels["name"], a.labels["reason"]) for a in n.alerts] == [
        ("checkout-a", "CrashLoopBackOff"),
        ("checkout-a", "PodNotReady"),
        ("checkout-b", "RestartStorm"),
    ]


def test_configured_inhibit_rules_use_source_target_and_equal():
    eng = engine(
        CONFIG
        + """inhibit_rules:
  - source_matchers: ['alertname="DeploymentUnavailable"']
    target_match_re: {alertname: "Crash.*|PodNotReady"}
    equal: [cluster, namespace]
"""
    )
    deploy = pod_finding("checkout", reason="DeploymentUnavailable", owner=None)
    seen(eng, replace(deploy, subject=ObjectRef("Deployment", "shop", "checkout")), T0)
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("cart-a", namespace="cart", owner="cart"), T0)
    due = eng.due(T0 + 30 * S)
    assert sorted(_names(due.notifications)) == [["cart-a"], ["checkout"]]


MAINTENANCE = (
    CONFIG.replace(
        "receivers:",
        """  routes:
    - matchers: ['namespace="shop"']
      mute_time_intervals: [saturday-night]
receivers:""",
    )
    + """time_intervals:
  - name: saturday-night
    time_intervals:
      - weekdays: [saturday]
        times: [{start_time: "22:00", end_time: "24:00"}]
        location: Europe/Berlin
"""
)


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_a_maintenance_window_mutes_on_schedule_and_what_changed_goes_out_when_it_closes():
    eng = engine(MAINTENANCE)
    start = _ms("2026-07-04T20:30:00")  # 22:30 in Berlin (CEST): inside the window
    seen(eng, pod_finding("checkout-a"), start)
    seen(eng, pod_finding("cart-a", namespace="cart", owner="cart"), start)
    first = eng.due(start + 30 * S)
    assert [n.group_labels["namespace"] for n in first.notifications] == ["cart"]
    sent = []
    t = start + 30 * S
    while t < _ms("2026-07-04T23:00:00"):
        t += 5 * MIN
        sent += [(t, n.group_labels["namespace"]) for n in eng.due(t).notifications]
    # The window closes at 24:00 Berlin = 22:00 UTC; the next flush is 22:00:30.
    assert sent == [(_ms("2026-07-04T22:00:30"), "shop")]


def test_the_same_utc_instant_in_winter_is_outside_the_window_because_berlin_is_utc_plus_one():
    eng = engine(MAINTENANCE)
    start = _ms("2026-12-05T20:30:00")  # 21:30 in Berlin (CET): before the window
    seen(eng, pod_finding("checkout-a"), start)
    assert summary(eng.due(start + 30 * S)) == [("team", "firing", 1, 0)]
