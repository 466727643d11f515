"""Alert events on the live stream: the pure diff (which alerts a step changed, old view against
new), who sees an alert's event (as GET /alerts' ``may``), and the step observer over a real
alert engine stepped as the alert service steps it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
import pytest

from master.alerts.engine import AlertEngine
from master.alerts.events import Event, FindingEvent
from master.alerts.silences import Silence
from master.auth.roles import GLOBAL, Grant, Grants, Permission, Role, Scope
from master.datahub.changes import Change, ChangeFeed
from master.gateway.authz import Principal
from master.gateway.routes.alert_views import alert_json, may
from master.gateway.stream import frames
from master.gateway.stream.alert_diff import (
    AlertChange,
    diff,
    inhibition_reach,
    moved_sources,
    same,
)
from master.gateway.stream.alerts import AlertEvents
from master.gateway.stream.viewers import Viewer, parse_topics
from tests.unit.alerts.fixtures import MIN, T0, engine, node_finding, pod_finding

# -- the diff --------------------------------------------------------------------------------


def view(fp: str = "a", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "fingerprint": fp,
        "status": "firing",
        "state": "active",
        "flapping": False,
        "labels": {"cluster": "edge", "namespace": "shop", "alertname": "CrashLoopBackOff"},
        "annotations": {"message": "crash", "count": "1"},
        "rule": "default",
        "starts_at_ms": 1,
        "ends_at_ms": None,
        "updated_at_ms": 1,
        "acked_by": None,
        "acked_at_ms": None,
        "silenced_by": [],
        "inhibited_by": None,
        "receivers": ["team"],
    }
    return base | fields


def ops(changes: Sequence[AlertChange]) -> list[tuple[str, str]]:
    return [(c.op, c.fingerprint) for c in changes]


def test_a_new_alert_is_a_change_and_an_unchanged_one_is_none() -> None:
    assert ops(diff({}, {"a": view()})) == [("changed", "a")]
    assert diff({"a": view()}, {"a": view()}) == []
    assert diff({}, {}) == []


def test_every_report_of_an_active_condition_is_no_change_by_itself() -> None:
    later = view(updated_at_ms=99, annotations={"message": "crash", "count": "7"})
    assert same(view(), later)
    assert diff({"a": view()}, {"a": later}) == []
    # but it rides along with the next real change
    [change] = diff({"a": view()}, {"a": later | {"acked_by": "otto", "acked_at_ms": 5}})
    assert change.alert["annotations"]["count"] == "7"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "pending", "state": "pending"},
        {"acked_by": "otto", "acked_at_ms": 5},
        {"silenced_by": ["s1"], "state": "suppressed"},
        {"inhibited_by": {"rule": "node-not-ready", "by": "n"}, "state": "suppressed"},
        {"status": "flapping", "flapping": True},
        {"labels": {"cluster": "edge", "namespace": "shop", "severity": "warning"}},
        {"receivers": ["team", "pager"]},
    ],
)
def test_what_a_person_acts_on_is_a_change(fields: dict[str, Any]) -> None:
    [change] = diff({"a": view()}, {"a": view(**fields)})
    assert change.op == "changed" and change.alert == view(**fields)


def test_resolving_is_op_resolved_once_and_leaving_the_table_is_removed() -> None:
    resolved = view(status="resolved", state="resolved", ends_at_ms=9)
    assert ops(diff({"a": view()}, {"a": resolved})) == [("resolved", "a")]
    assert ops(diff({}, {"a": resolved})) == [("resolved", "a")]  # appeared already resolved
    acked = resolved | {"acked_by": "otto"}
    assert ops(diff({"a": resolved}, {"a": acked})) == [("changed", "a")]
    [removed] = diff({"a": resolved, "b": view("b")}, {}, gone=["a", "z"])
    assert removed.op == "removed" and removed.alert == resolved  # its last published view
    assert removed.payload() == {"op": "removed", "alert": resolved}


def test_only_changes_of_inhibition_sources_move_other_alerts() -> None:
    firing, pending = view(), view(status="pending", state="pending")
    labels = firing["labels"]
    assert moved_sources({"a": pending}, {"a": firing}) == [labels]  # began firing
    assert moved_sources({"a": firing}, {"a": view(status="resolved")}) == [labels]  # stopped
    assert moved_sources({}, {"a": firing}) == [labels]  # new and firing
    moved = view(labels={"node": "n2"})
    assert moved_sources({"a": firing}, {"a": moved}) == [labels, {"node": "n2"}]
    assert moved_sources({"a": firing}, {}, gone=["a"]) == [labels]
    assert moved_sources({"a": firing}, {"a": view(status="flapping")}) == []  # still a source
    assert moved_sources({"a": firing}, {"a": view(acked_by="otto")}) == []
    assert moved_sources({}, {"a": pending}) == []
    assert moved_sources({"a": pending}, {}, gone=["a"]) == []


def test_a_moved_source_reaches_the_alerts_its_rules_may_inhibit() -> None:
    rules = engine().inhibit_rules  # the built-in ones
    node = {"alertname": "NodeNotReady", "cluster": "edge", "node": "n1", "severity": "critical"}
    pod = {"alertname": "CrashLoopBackOff", "cluster": "edge", "kind": "Pod", "name": "web-0"}
    alerts = [
        ("on-n1", pod | {"node": "n1"}),
        ("on-n2", pod | {"node": "n2"}),  # another node
        ("elsewhere", pod | {"node": "n1", "cluster": "core"}),
    ]
    assert inhibition_reach(rules, [node], alerts) == {"on-n1"}
    offline = {"alertname": "ClusterOffline", "cluster": "edge"}
    assert inhibition_reach(rules, [offline], alerts) == {"on-n1", "on-n2"}  # all its cluster
    assert inhibition_reach(rules, [], alerts) == set()


# -- who sees an alert's event ---------------------------------------------------------------

NINA = Grants.of((Grant(Role.VIEWER, Scope("edge", "shop")),))
EDGE = Grants.of((Grant(Role.VIEWER, Scope("edge")),))
VERA = Grants.of((Grant(Role.VIEWER, GLOBAL),))
NOBODY = Grants.of(())


def _alert_change(labels: dict[str, str]) -> Change:
    return Change(1, "alert", labels.get("cluster", ""), labels.get("namespace") or None, "", None)


@pytest.mark.parametrize("grants", [NINA, EDGE, VERA, NOBODY])
@pytest.mark.parametrize(
    "labels",
    [
        {"cluster": "edge", "namespace": "shop"},
        {"cluster": "edge", "namespace": "web"},
        {"cluster": "edge"},  # about the cluster (ClusterOffline, a node)
        {"cluster": "core", "namespace": "shop"},
        {"namespace": "shop"},  # no cluster: a signal from elsewhere
        {},
    ],
)
def test_an_alert_event_is_seen_exactly_as_the_alerts_list_shows_it(
    grants: Grants, labels: dict[str, str]
) -> None:
    viewer = Viewer(grants, parse_topics("alerts"))
    caller = Principal(name="x", kind="user", grants=grants)
    assert viewer.sees(_alert_change(labels)) == may(caller, Permission.READ, labels)


def test_a_stream_of_one_cluster_gets_only_that_clusters_alerts() -> None:
    viewer = Viewer(VERA, parse_topics("alerts"), "edge")
    assert viewer.sees(_alert_change({"cluster": "edge", "namespace": "shop"}))
    assert not viewer.sees(_alert_change({"cluster": "core", "namespace": "shop"}))
    assert not viewer.sees(_alert_change({"namespace": "shop"}))
    assert not Viewer(VERA, parse_topics("findings")).sees(_alert_change({"cluster": "edge"}))


# -- the step observer over a real engine ----------------------------------------------------


class Stepped:
    """An engine stepped as the alert service steps it, its events observed after each step."""

    def __init__(self, e: AlertEngine | None = None) -> None:
        self.engine = e or engine()
        self.feed = ChangeFeed(100, base=0)
        self.events = AlertEvents(self.feed, lambda: self.engine)
        self.events.learn(T0)
        self.read = 0

    def step(self, now: int, *events: Event) -> list[dict[str, Any]]:
        for ev in events:
            self.engine.observe(ev)
        self.engine.due(now)
        changes = self.engine.take_changes()
        self.events.committed(now, changes.alerts.keys() | changes.deleted_alerts)
        out = self.feed.read(self.read, 100)
        self.read = self.feed.head
        return [orjson.loads(frames.frame(c).split(b"data: ", 1)[1]) for c in out]

    def listed(self, now: int) -> dict[str, dict[str, Any]]:
        return {v.record.fingerprint: alert_json(v) for v in self.engine.view(now)}


def test_a_finding_opening_publishes_the_alert_as_the_list_shows_it() -> None:
    s = Stepped()
    [event] = s.step(T0, FindingEvent("edge", pod_finding("web-0"), T0))
    assert event["op"] == "changed"
    assert [event["alert"]] == list(s.listed(T0).values())
    [change] = s.feed.read(0, 10)
    assert (change.topic, change.cluster, change.namespace) == ("alert", "edge", "shop")
    # the agent reports it again with a higher count: no event
    again = replace(pod_finding("web-0"), count=5, last_seen_ms=T0 + 1000)
    assert s.step(T0 + 1000, FindingEvent("edge", again, T0 + 1000)) == []


def test_ack_silence_and_resolve_each_publish_the_alert_that_changed() -> None:
    s = Stepped()
    s.step(
        T0,
        FindingEvent("edge", pod_finding("web-0"), T0),
        FindingEvent("edge", pod_finding("web-1"), T0),
    )
    [fp0, fp1] = sorted(s.engine.alerts, key=lambda fp: s.engine.alerts[fp].labels["name"])
    s.engine.acknowledge(fp0, by="otto", at_ms=T0 + 1)
    [acked] = s.step(T0 + 1)
    assert acked["alert"]["fingerprint"] == fp0 and acked["alert"]["acked_by"] == "otto"
    silence = Silence.make(
        id="s1", matchers=['name="web-1"'], starts_at_ms=T0 + 2, ends_at_ms=T0 + MIN,
        created_by="otto", comment="",
    )  # fmt: skip
    s.engine.add_silence(silence)
    [silenced] = s.step(T0 + 2)  # no alert row changed: the active silences did
    assert silenced["alert"]["fingerprint"] == fp1
    assert silenced["alert"]["state"] == "suppressed" and silenced["alert"]["silenced_by"] == ["s1"]
    [expired] = s.step(T0 + MIN)  # the silence ended with time
    assert expired["alert"]["fingerprint"] == fp1 and expired["alert"]["state"] == "active"
    done = replace(pod_finding("web-0"), resolved=True)
    [resolved] = s.step(T0 + MIN + 1, FindingEvent("edge", done, T0 + MIN + 1))
    assert resolved["op"] == "resolved" and resolved["alert"]["fingerprint"] == fp0
    assert resolved["alert"] == s.listed(T0 + MIN + 1)[fp0]
    # an hour after: the resolved alert leaves the table
    [removed] = s.step(T0 + 2 * 60 * MIN)
    assert removed["op"] == "removed" and removed["alert"]["fingerprint"] == fp0
    assert fp0 not in s.listed(T0 + 2 * 60 * MIN)


def test_a_node_going_not_ready_publishes_the_pod_alerts_it_inhibits() -> None:
    s = Stepped()
    s.step(T0, FindingEvent("edge", pod_finding("web-0", node="n1"), T0))
    events = s.step(T0 + 1, FindingEvent("edge", node_finding("n1"), T0 + 1))
    by_name = {e["alert"]["labels"]["alertname"]: e["alert"] for e in events}
    assert set(by_name) == {"NodeNotReady", "CrashLoopBackOff"}
    assert by_name["CrashLoopBackOff"]["inhibited_by"]["rule"] == "node-not-ready"
    back = s.step(T0 + 2, FindingEvent("edge", node_finding("n1", resolved=True), T0 + 2))
    assert sorted(e["op"] for e in back) == ["changed", "resolved"]
    assert all(e["alert"] == s.listed(T0 + 2)[e["alert"]["fingerprint"]] for e in back)


def test_a_rebuilt_engine_is_compared_in_full_and_what_was_told_is_not_told_again() -> None:
    s = Stepped()
    s.step(T0, FindingEvent("edge", pod_finding("web-0"), T0))
    saved = s.engine.snapshot()
    s.engine = AlertEngine.restore(s.engine.config, saved)  # as after a failed step
    assert s.step(T0 + 1) == []
    s.engine = AlertEngine.restore(s.engine.config, saved)
    fp = next(iter(s.engine.alerts))
    s.engine.alerts[fp].acked_by = "otto"  # a change no row of this step names
    [event] = s.step(T0 + 2)
    assert event["alert"]["acked_by"] == "otto"


def test_alerts_restored_at_start_are_not_published_again() -> None:
    first = Stepped()
    first.step(T0, FindingEvent("edge", pod_finding("web-0"), T0))
    restored = Stepped(AlertEngine.restore(first.engine.config, first.engine.snapshot()))
    assert restored.step(T0 + 1) == []
