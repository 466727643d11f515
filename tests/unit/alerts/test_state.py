"""The per-fingerprint state machine: for delays, flap damping, acknowledgement, signals, and a
state that survives a restart through its serialised form without notifying twice."""

from __future__ import annotations

import json

from master.alerts.engine import AlertEngine
from master.alerts.events import AlertSignal
from tests.unit.alerts.fixtures import CONFIG, MIN, T0, S, config, engine, pod_finding, seen

FLAPPY = (
    CONFIG
    + """rules:
  - name: readiness
    matchers: ['reason="PodNotReady"']
    flap: {window: 1h, transitions: 3, settle: 15m}
  - name: slow-crash
    match: {reason: CrashLoopBackOff, namespace: batch}
    for: 2m
    severity: warning
    labels: {team: data}
"""
)


def _run(eng: AlertEngine, events: dict[int, bool], until_ms: int) -> list[tuple[int, str, bool]]:
    """Feed PodNotReady open/resolve at the given offsets; call due() every 30 s of virtual
    time; return (offset, status, flapping) of every notification."""
    out = []
    for t in range(0, until_ms + 1, 30 * S):
        if t in events:
            finding = pod_finding("web-a", reason="PodNotReady", resolved=not events[t])
            seen(eng, finding, T0 + t)
        for n in eng.due(T0 + t).notifications:
            out.append((t, n.status, any(a.flapping for a in n.alerts)))
    return out


def test_a_flapping_finding_is_damped_until_it_settles():
    eng = engine(FLAPPY)
    flips = {k * 6 * MIN: k % 2 == 0 for k in range(8)}  # open, resolve, open, … every 6 min
    sent = _run(eng, flips, 90 * MIN)
    assert sent == [
        (30 * S, "firing", False),
        (10 * MIN + 30 * S, "resolved", False),
        (12 * MIN + 30 * S, "firing", False),
        # the third flip (resolved at 18m) makes it flapping: held firing, its churn not sent
        # last flip at 42m, settled 15 min later → one resolved at the next flush
        (57 * MIN + 30 * S, "resolved", False),
    ]


def test_the_same_churn_without_flap_damping_notifies_every_change():
    eng = engine(FLAPPY.replace("transitions: 3", "transitions: 3, enabled: false"))
    flips = {k * 6 * MIN: k % 2 == 0 for k in range(8)}
    assert len(_run(eng, flips, 90 * MIN)) == 8


def test_a_rule_delays_firing_by_for_and_overrides_severity_and_labels():
    eng = engine(FLAPPY)
    seen(eng, pod_finding("job-a", namespace="batch"), T0)
    (rec,) = eng.alerts.values()
    assert (rec.status, rec.rule, rec.labels["severity"], rec.labels["team"]) == (
        "pending",
        "slow-crash",
        "warning",
        "data",
    )
    assert eng.due(T0 + 30 * S).next_wake_ms == T0 + 2 * MIN
    assert eng.due(T0 + 2 * MIN).notifications == ()
    assert rec.status == "firing" and rec.starts_at_ms == T0 + 2 * MIN
    (n,) = eng.due(T0 + 2 * MIN + 30 * S).notifications
    assert n.alerts[0].starts_at_ms == T0 + 2 * MIN


def test_a_pending_alert_that_clears_before_for_never_fires_and_is_forgotten():
    eng = engine(FLAPPY)
    seen(eng, pod_finding("job-a", namespace="batch"), T0)
    seen(eng, pod_finding("job-a", namespace="batch", resolved=True), T0 + MIN)
    assert eng.alerts == {}
    assert eng.due(T0 + 5 * MIN).notifications == ()


def test_a_disabled_rule_keeps_its_alerts_out():
    eng = engine(
        CONFIG + "rules:\n  - name: quiet\n    match: {namespace: shop}\n    disabled: true\n"
    )
    seen(eng, pod_finding("checkout-a"), T0)
    assert eng.alerts == {}


def test_a_signal_from_another_source_alerts_like_a_finding_and_resolves_after_resolve_timeout():
    eng = engine()
    signal = AlertSignal(
        source="node-metrics",
        key="prod/node-1/disk",
        labels={"alertname": "NodeDiskFull", "cluster": "prod", "node": "node-1"},
        annotations={"summary": "disk full within 4h"},
        active=True,
        at_ms=T0,
    )
    eng.observe(signal)
    (n,) = eng.due(T0 + 30 * S).notifications
    assert n.alerts[0].labels == {"alertname": "NodeDiskFull", "cluster": "prod", "node": "node-1"}
    assert n.alerts[0].annotations == {"summary": "disk full within 4h"}
    # No refresh for global.resolve_timeout (5m by default): resolved.
    assert eng.due(T0 + 5 * MIN + 30 * S).notifications[0].status == "resolved"


def test_state_round_trips_through_its_serialised_form():
    eng = engine(FLAPPY)
    seen(eng, pod_finding("checkout-a"), T0)
    seen(eng, pod_finding("job-a", namespace="batch"), T0)
    eng.due(T0 + 30 * S)
    (fp,) = [fp for fp, a in eng.alerts.items() if a.labels["name"] == "checkout-a"]
    eng.acknowledge(fp, by="alice", at_ms=T0 + MIN)
    saved = json.loads(json.dumps(eng.snapshot()))
    again = AlertEngine.restore(config(FLAPPY), saved)
    assert again.snapshot() == eng.snapshot()
    assert again.alerts[fp].acked_by == "alice"


def test_a_restart_resumes_without_re_notifying():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    (first,) = eng.due(T0 + 30 * S).notifications
    saved = json.loads(json.dumps(eng.snapshot()))
    del eng  # the master is killed
    eng = AlertEngine.restore(config(), saved)
    # The agent replays the still-open finding after reconnecting: not news.
    seen(eng, pod_finding("checkout-a", count=7), T0 + 3 * MIN)
    for k in range(1, 10):
        assert eng.due(T0 + 30 * S + k * 5 * MIN).notifications == ()
    seen(eng, pod_finding("checkout-a", resolved=True), T0 + 50 * MIN)
    (resolved,) = eng.due(T0 + 50 * MIN + 30 * S).notifications
    assert (resolved.status, resolved.sequence) == ("resolved", 2)
    assert resolved.group_key == first.group_key
    assert resolved.idempotency_key != first.idempotency_key


def test_a_restart_between_a_transition_and_its_flush_notifies_once():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    eng.due(T0 + 10 * S)
    eng = AlertEngine.restore(config(), json.loads(json.dumps(eng.snapshot())))
    assert len(eng.due(T0 + 30 * S).notifications) == 1
    assert eng.due(T0 + 5 * MIN + 30 * S).notifications == ()


def test_take_changes_names_the_rows_to_write_and_delete():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    eng.due(T0 + 30 * S)
    changes = eng.take_changes()
    assert len(changes.alerts) == 1 and len(changes.groups) == 1
    assert eng.take_changes().alerts == {}
    seen(eng, pod_finding("checkout-a", resolved=True), T0 + MIN)
    eng.due(T0 + 5 * MIN + 30 * S)
    changes = eng.take_changes()
    (row,) = changes.alerts.values()
    assert row["status"] == "resolved"
    assert len(changes.deleted_groups) == 1


def test_a_flapping_alert_is_shown_as_flapping_while_damped():
    eng = engine(FLAPPY)
    _run(eng, {k * 6 * MIN: k % 2 == 0 for k in range(8)}, 30 * MIN)
    (rec,) = eng.alerts.values()
    assert (rec.status, rec.active, rec.flips) == (
        "flapping",
        False,
        [6 * MIN * k + T0 for k in (1, 2, 3, 4, 5)],
    )


def test_a_new_episode_clears_the_acknowledgement_and_starts_anew():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    (fp,) = eng.alerts
    eng.acknowledge(fp, by="alice", at_ms=T0 + MIN)
    seen(eng, pod_finding("checkout-a", resolved=True), T0 + 2 * MIN)
    seen(eng, pod_finding("checkout-a"), T0 + 3 * MIN)
    rec = eng.alerts[fp]
    assert (rec.status, rec.starts_at_ms, rec.acked_by) == ("firing", T0 + 3 * MIN, "")


def test_a_changed_finding_updates_what_notifications_quote_without_a_new_episode():
    eng = engine()
    seen(eng, pod_finding("checkout-a", count=1), T0)
    seen(eng, pod_finding("checkout-a", count=9), T0 + 4 * MIN)
    (rec,) = eng.alerts.values()
    assert (rec.starts_at_ms, rec.annotations["count"]) == (T0, "9")
    (n,) = eng.due(T0 + 5 * MIN).notifications
    assert n.alerts[0].annotations["count"] == "9"
