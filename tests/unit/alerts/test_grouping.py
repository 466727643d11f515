"""Grouping and timing under virtual time: one notification per incident, updates on
group_interval, repeats on repeat_interval unless acknowledged, one resolved at the end."""

from __future__ import annotations

from master.alerts.notifications import idempotency_key
from tests.unit.alerts.fixtures import CONFIG, MIN, T0, H, S, engine, pod_finding, seen, summary


def test_a_hundred_crash_looping_pods_of_one_deployment_are_one_notification_then_one_resolved():
    eng = engine()
    for i in range(100):
        seen(eng, pod_finding(f"checkout-{i:03}"), T0 + i * 100)
    first = eng.due(T0 + 10 * S)
    assert first.notifications == ()
    assert first.next_wake_ms == T0 + 30 * S
    due = eng.due(T0 + 30 * S)
    assert summary(due) == [("team", "firing", 100, 0)]
    (n,) = due.notifications
    assert n.group_labels == {
        "cluster": "prod",
        "namespace": "shop",
        "owner": "Deployment/checkout",
    }
    assert n.common_labels == {
        "alertname": "CrashLoopBackOff",
        "category": "crash",
        "cluster": "prod",
        "kind": "Pod",
        "namespace": "shop",
        "node": "node-1",
        "owner": "Deployment/checkout",
        "reason": "CrashLoopBackOff",
        "severity": "critical",
    }
    assert [a.labels["name"] for a in n.alerts][:3] == [
        "checkout-000",
        "checkout-001",
        "checkout-002",
    ]
    assert n.group_key == '{}:{cluster="prod", namespace="shop", owner="Deployment/checkout"}'
    assert n.sequence == 1
    assert n.idempotency_key == idempotency_key("team", n.group_key, incident_ms=T0, sequence=1)
    assert n.first_idempotency_key == n.idempotency_key
    assert due.next_wake_ms == T0 + 30 * S + 5 * MIN
    # Nothing changes: no update at the next group_interval.
    assert eng.due(T0 + 30 * S + 5 * MIN).notifications == ()
    # All recover within one group_interval: one resolved notification listing all 100.
    for i in range(100):
        seen(eng, pod_finding(f"checkout-{i:03}", resolved=True), T0 + 6 * MIN + i * 100)
    assert eng.due(T0 + 8 * MIN).notifications == ()
    resolved = eng.due(T0 + 30 * S + 10 * MIN)
    assert summary(resolved) == [("team", "resolved", 0, 100)]
    assert resolved.notifications[0].alerts[0].ends_at_ms == T0 + 6 * MIN
    assert eng.groups == {}
    assert eng.due(T0 + 30 * S + 15 * MIN).notifications == ()


def test_a_new_pod_joining_the_group_is_an_update_at_the_next_group_interval_not_sooner():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    assert summary(eng.due(T0 + 30 * S)) == [("team", "firing", 1, 0)]
    seen(eng, pod_finding("checkout-b"), T0 + 1 * MIN)
    assert eng.due(T0 + 2 * MIN).notifications == ()
    update = eng.due(T0 + 30 * S + 5 * MIN)
    assert summary(update) == [("team", "firing", 2, 0)]
    # Only the joiner is new: fire-time work (log enrichment) is not redone for the first.
    assert [(a.labels["name"], a.new) for a in update.notifications[0].alerts] == [
        ("checkout-a", False),
        ("checkout-b", True),
    ]


def test_pods_of_two_deployments_are_two_groups():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("cart-a", owner="cart"), T0)
    due = eng.due(T0 + 30 * S)
    assert [n.group_labels["owner"] for n in due.notifications] == [
        "Deployment/cart",
        "Deployment/checkout",
    ]


def test_an_alert_that_fires_and_resolves_within_group_wait_is_never_notified():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("checkout-a", resolved=True), T0 + 10 * S)
    due = eng.due(T0 + 30 * S)
    assert due.notifications == ()
    assert eng.groups == {}


def test_repeat_interval_repeats_an_unacknowledged_alert_and_not_an_acknowledged_one():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("cart-a", owner="cart"), T0)
    assert len(eng.due(T0 + 30 * S).notifications) == 2
    ticks = [T0 + 30 * S + k * 5 * MIN for k in range(1, 48)]
    assert all(eng.due(t).notifications == () for t in ticks)
    cart = next(fp for fp, a in eng.alerts.items() if a.labels["name"] == "cart-a")
    eng.acknowledge(cart, by="alice", at_ms=T0 + 1 * H)
    repeat = eng.due(T0 + 30 * S + 4 * H)
    assert [n.group_labels["owner"] for n in repeat.notifications] == ["Deployment/checkout"]
    assert repeat.notifications[0].sequence == 2
    assert [a.new for a in repeat.notifications[0].alerts] == [False]  # a repeat, not a fire
    # Unacknowledged again: it repeats on the next repeat_interval.
    eng.unacknowledge(cart)
    later = [eng.due(T0 + 30 * S + 4 * H + k * 5 * MIN) for k in range(1, 49)]
    owners = [n.group_labels["owner"] for d in later for n in d.notifications]
    assert owners == ["Deployment/cart", "Deployment/checkout"]


def test_an_acknowledged_alert_still_goes_out_when_its_group_changes():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    eng.due(T0 + 30 * S)
    (fp,) = eng.alerts
    eng.acknowledge(fp, by="alice", at_ms=T0 + MIN)
    seen(eng, pod_finding("checkout-b"), T0 + 2 * MIN)
    (n,) = eng.due(T0 + 30 * S + 5 * MIN).notifications
    assert [(a.labels["name"], a.acked_by) for a in n.alerts] == [
        ("checkout-a", "alice"),
        ("checkout-b", ""),
    ]


def test_continue_routes_one_alert_to_two_receivers():
    eng = engine(
        CONFIG.replace(
            "receivers:",
            """  routes:
    - receiver: pager
      matchers: ['severity="critical"']
      continue: true
      group_wait: 10s
    - receiver: team
      matchers: ['namespace=~"shop|cart"']
    - receiver: nobody
      matchers: ['namespace="shop"']
receivers:
  - name: pager
  - name: nobody""",
        )
    )
    seen(eng, pod_finding("checkout-a"), T0)
    first = eng.due(T0 + 10 * S)
    assert summary(first) == [("pager", "firing", 1, 0)]
    assert summary(eng.due(T0 + 30 * S)) == [("team", "firing", 1, 0)]
    assert first.notifications[0].route_key == '{}/{severity="critical"}'


def test_group_by_dots_groups_by_every_label():
    eng = engine(CONFIG.replace("group_by: [cluster, namespace, owner]", "group_by: ['...']"))
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("checkout-b"), T0)
    assert summary(eng.due(T0 + 30 * S)) == [("team", "firing", 1, 0), ("team", "firing", 1, 0)]


def test_calling_due_twice_at_one_instant_sends_nothing_the_second_time():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    assert len(eng.due(T0 + 30 * S).notifications) == 1
    assert eng.due(T0 + 30 * S).notifications == ()


def test_two_incidents_of_one_group_get_different_keys_and_a_repeat_a_new_one_in_its_thread():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    (fired,) = eng.due(T0 + 30 * S).notifications
    ticks = [T0 + 30 * S + k * 5 * MIN for k in range(1, 49)]
    (repeat,) = [n for t in ticks for n in eng.due(t).notifications]
    seen(eng, pod_finding("checkout-a", resolved=True), T0 + 5 * H)
    (ended,) = eng.due(T0 + 5 * H + 5 * MIN).notifications
    assert eng.groups == {}
    # The same pod crashes again the next day: same group, a new incident.
    seen(eng, pod_finding("checkout-a"), T0 + 24 * H)
    (again,) = eng.due(T0 + 24 * H + 30 * S).notifications
    first_incident = [fired, repeat, ended]
    assert [n.status for n in first_incident] == ["firing", "firing", "resolved"]
    assert {n.group_key for n in [*first_incident, again]} == {fired.group_key}
    assert (again.sequence, fired.sequence) == (1, 1)
    assert again.idempotency_key != fired.idempotency_key
    # Within one incident each notification has its own key (a repeat is news to a person,
    # not a duplicate to drop) and they all name the incident's first one.
    assert len({n.idempotency_key for n in first_incident}) == 3
    assert {n.first_idempotency_key for n in first_incident} == {fired.idempotency_key}
    assert again.first_idempotency_key == again.idempotency_key
