"""Reloads, active time intervals, silence validation and the noise counters."""

from __future__ import annotations

import pytest

from master.alerts.errors import SilenceError, UnknownAlert
from master.alerts.noise import DAY_MS, NoiseRow
from master.alerts.silences import Silence
from tests.unit.alerts.fixtures import (
    CONFIG,
    MIN,
    T0,
    S,
    config,
    engine,
    pod_finding,
    seen,
    summary,
)


def test_a_reload_keeps_the_state_and_does_not_re_notify_an_unchanged_group():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    assert len(eng.due(T0 + 30 * S).notifications) == 1
    eng.reconfigure(config(CONFIG.replace("repeat_interval: 4h", "repeat_interval: 1h")))
    assert all(eng.due(T0 + 30 * S + k * 5 * MIN).notifications == () for k in range(1, 12))
    assert summary(eng.due(T0 + 30 * S + 60 * MIN)) == [("team", "firing", 1, 0)]


def test_a_reload_that_sends_an_alert_elsewhere_notifies_the_new_receiver():
    eng = engine()
    seen(eng, pod_finding("checkout-a"), T0)
    eng.due(T0 + 30 * S)
    moved = CONFIG.replace(
        "receivers:",
        "  routes:\n    - receiver: shop\n      matchers: ['namespace=\"shop\"']\n"
        "receivers:\n  - name: shop",
    )
    eng.reconfigure(config(moved))
    assert summary(eng.due(T0 + 60 * S)) == [("shop", "firing", 1, 0)]


def test_a_route_with_active_time_intervals_sends_only_inside_them():
    text = CONFIG.replace(
        "receivers:",
        "  routes:\n    - receiver: team\n      matchers: ['severity=\"critical\"']\n"
        "      active_time_intervals: [office]\nreceivers:",
    ) + (
        "time_intervals:\n  - name: office\n    time_intervals:\n"
        "      - times: [{start_time: '09:00', end_time: '17:00'}]\n"
    )
    eng = engine(text)
    at = T0  # 20:26:40 UTC: outside the office hours
    seen(eng, pod_finding("checkout-a"), at)
    sent = []
    for k in range(160):
        t = at + 30 * S + k * 5 * MIN
        sent += [t for _ in eng.due(t).notifications]
    # the next morning at 09:00 UTC (12h32m50s after the first flush): the flush after it
    assert [(t - T0) // S for t in sent] == [30 + 151 * 300]


def test_a_silence_must_match_something_and_end_after_it_starts():
    with pytest.raises(SilenceError):
        Silence.make(
            id="x",
            matchers=['team=~".*"'],
            starts_at_ms=0,
            ends_at_ms=1,
            created_by="a",
            comment="",
        )
    with pytest.raises(SilenceError):
        Silence.make(
            id="x", matchers=['team="a"'], starts_at_ms=5, ends_at_ms=5, created_by="a", comment=""
        )


def test_acknowledging_an_unknown_alert_is_an_error():
    with pytest.raises(UnknownAlert):
        engine().acknowledge("nope", by="a", at_ms=T0)


def test_noise_counts_fires_quick_resolves_flaps_silences_and_acks_per_rule_and_receiver():
    eng = engine(
        CONFIG
        + "rules:\n  - name: crash\n    match: {reason: CrashLoopBackOff}\n"
        + "    flap: {window: 1h, transitions: 3, settle: 15m}\n"
    )
    eng.add_silence(
        Silence.make(
            id="s",
            matchers=['name="checkout-s"'],
            starts_at_ms=T0,
            ends_at_ms=T0 + DAY_MS,
            created_by="a",
            comment="",
        )
    )
    for k, active in enumerate([True, False, True, False]):  # third flip: flapping
        seen(eng, pod_finding("checkout-a", resolved=not active), T0 + k * MIN)
    seen(eng, pod_finding("checkout-s"), T0)
    seen(eng, pod_finding("checkout-b"), T0)
    eng.due(T0 + 30 * S)
    (fp,) = [fp for fp, a in eng.alerts.items() if a.labels["name"] == "checkout-b"]
    eng.acknowledge(fp, by="alice", at_ms=T0 + MIN)
    eng.due(T0 + 30 * S + 5 * MIN)
    rows = {(r.scope, r.name, r.days): dict(r.counts) for r in eng.noise.report(T0 + DAY_MS)}
    assert rows[("rule", "crash", 7)] == {
        "fires": 4,
        "flaps": 1,
        "quick_resolves": 1,
        "silenced": 1,
        "acked": 1,
        "notifications": 0,
    }
    assert rows[("receiver", "team", 7)]["notifications"] == 1
    # 31 days later the counts have left both windows
    later = eng.noise.report(T0 + 31 * DAY_MS)
    assert all(r.total == 0 for r in later)
    assert isinstance(later[0], NoiseRow)
