"""The inhibition index the engine keeps up to date alert by alert says what one rebuilt from
the current alerts says, whatever the history (fires, resolves, label changes, expiry)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as hs

from master.alerts.engine import AlertEngine
from master.alerts.events import LinkEvent
from master.alerts.inhibit import BUILTIN, Inhibitor
from shared.domain.findings import Severity
from tests.unit.alerts.fixtures import MIN, T0, S, engine, node_finding, pod_finding, seen

PODS = ("checkout-a", "checkout-b", "cart-a")

step = hs.one_of(
    # A pod's finding: crashing (critical) or restarting (warning), on one of two nodes.
    hs.tuples(hs.just("pod"), hs.sampled_from(PODS), hs.booleans(), hs.booleans(), hs.booleans()),
    hs.tuples(hs.just("node"), hs.sampled_from(("node-1", "node-2")), hs.booleans()),
    hs.tuples(hs.just("link"), hs.just("prod"), hs.booleans()),
    hs.tuples(hs.just("wait"), hs.integers(min_value=1, max_value=90)),  # minutes
)


def _apply(eng: AlertEngine, what: tuple[object, ...], at: int) -> int:
    kind = what[0]
    if kind == "pod":
        _, name, active, critical, on_first = what
        seen(
            eng,
            pod_finding(
                str(name),
                owner=str(name).rsplit("-", 1)[0],
                severity=Severity.CRITICAL if critical else Severity.WARNING,
                reason="CrashLoopBackOff" if critical else "RestartStorm",
                node="node-1" if on_first else "node-2",
                resolved=not active,
            ),
            at,
        )
    elif kind == "node":
        seen(eng, node_finding(str(what[1]), resolved=not what[2]), at)
    elif kind == "link":
        eng.observe(LinkEvent(str(what[1]), "offline" if what[2] else "connected", at))
    else:
        minutes = what[1]
        assert isinstance(minutes, int)
        return at + minutes * MIN
    return at + 10 * S


def _verdicts(eng: AlertEngine, index: Inhibitor) -> dict[str, object]:
    out: dict[str, object] = {}
    for fp, a in eng.alerts.items():
        why = index.check(fp, a.labels)
        out[fp] = None if why is None else why.rule
    return out


@settings(max_examples=80, deadline=None)
@given(steps=hs.lists(step, min_size=1, max_size=30))
def test_the_kept_index_agrees_with_one_rebuilt_from_the_alerts_now(
    steps: list[tuple[object, ...]],
) -> None:
    eng = engine()
    at = T0
    for what in steps:
        at = _apply(eng, what, at)
        eng.due(at)  # builds the index at the first check, then keeps it
        kept = eng._inhibition()
        sources = [(fp, a.labels) for fp, a in eng.alerts.items() if a.notifiable]
        rebuilt = Inhibitor(eng.inhibit_rules, sources)
        assert _verdicts(eng, kept) == _verdicts(eng, rebuilt)
        for fp, a in eng.alerts.items():
            why = kept.check(fp, a.labels)
            if why is not None:  # named by a source that fires now, never itself
                assert why.by != fp and eng.alerts[why.by].notifiable


def test_a_source_that_stops_firing_no_longer_inhibits_and_one_that_fires_again_does() -> None:
    index = Inhibitor(BUILTIN)
    node = {"alertname": "NodeNotReady", "cluster": "prod", "node": "node-1"}
    pod = {"alertname": "BackOff", "kind": "Pod", "cluster": "prod", "node": "node-1"}
    index.add("node", node)
    assert index.check("pod", pod) is not None
    index.remove("node")
    assert index.check("pod", pod) is None
    index.add("node", {**node, "node": "node-2"})  # back, on another node: not this pod's
    assert index.check("pod", pod) is None
    index.add("node", node)
    why = index.check("pod", pod)
    assert why is not None and (why.rule, why.by) == ("node-not-ready", "node")
    assert index.check("node", node) is None  # never itself
