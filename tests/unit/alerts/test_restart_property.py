"""Property: a master killed at any point and restarted from its last snapshot sends exactly
what one that never stopped sends — nothing twice, nothing lost."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as hs

from master.alerts.engine import AlertEngine
from master.alerts.events import LinkEvent
from master.alerts.notifications import Notification
from tests.unit.alerts.fixtures import MIN, T0, S, config, node_finding, pod_finding, seen

PODS = ("checkout-a", "checkout-b", "cart-a")

step = hs.one_of(
    hs.tuples(hs.just("pod"), hs.sampled_from(PODS), hs.booleans()),
    hs.tuples(hs.just("node"), hs.just("node-1"), hs.booleans()),
    hs.tuples(hs.just("link"), hs.just("prod"), hs.booleans()),
)


def _apply(eng: AlertEngine, what: tuple[str, str, bool], at: int) -> None:
    kind, name, active = what
    if kind == "pod":
        owner = name.rsplit("-", 1)[0]
        seen(eng, pod_finding(name, owner=owner, resolved=not active), at)
    elif kind == "node":
        seen(eng, node_finding(name, resolved=not active), at)
    else:
        eng.observe(LinkEvent(name, "offline" if active else "connected", at))


def _key(n: Notification) -> tuple[object, ...]:
    return (n.idempotency_key, n.at_ms, n.status, tuple(a.fingerprint for a in n.alerts))


@settings(max_examples=60, deadline=None)
@given(
    steps=hs.lists(step, min_size=1, max_size=25),
    crash_at=hs.integers(min_value=0, max_value=25),
)
def test_a_restart_from_the_last_snapshot_sends_exactly_what_an_unbroken_run_sends(
    steps: list[tuple[str, str, bool]], crash_at: int
) -> None:
    cfg = config()
    steady, crashed = AlertEngine(cfg), AlertEngine(cfg)
    sent_steady: list[tuple[object, ...]] = []
    sent_crashed: list[tuple[object, ...]] = []
    for i, what in enumerate(steps):
        at = T0 + i * 2 * MIN
        for eng in (steady, crashed):
            _apply(eng, what, at)
        sent_steady += map(_key, steady.due(at + 30 * S).notifications)
        sent_crashed += map(_key, crashed.due(at + 30 * S).notifications)
        if i == crash_at:
            crashed = AlertEngine.restore(cfg, json.loads(json.dumps(crashed.snapshot())))
    for k in range(1, 20):
        at = T0 + len(steps) * 2 * MIN + k * 5 * MIN
        sent_steady += map(_key, steady.due(at).notifications)
        sent_crashed += map(_key, crashed.due(at).notifications)
    assert sent_crashed == sent_steady
    assert len(set(sent_steady)) == len(sent_steady)
