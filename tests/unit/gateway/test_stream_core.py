"""The live stream's pure core: who sees which change, the SSE frames, a stream's cursor on the
ring (resume, expiry, falling behind) and the cap on open streams."""

from __future__ import annotations

import orjson
import pytest

from master.auth.roles import GLOBAL, Grant, Grants, Role, Scope
from master.commands.bus import CommandSnapshot
from master.datahub.changes import Change, ChangeFeed, Topic
from master.datahub.hub import DataHub
from master.gateway.routes.clusters import cluster_view
from master.gateway.stream import frames
from master.gateway.stream.clusters import check, signature
from master.gateway.stream.registry import Streams, StreamsFull
from master.gateway.stream.settings import StreamSettings
from master.gateway.stream.streams import Reader, parse_event_id
from master.gateway.stream.viewers import UnknownTopic, Viewer, parse_topics
from master.store import CommandRow, TransitionRow
from shared.domain.commands import CommandState
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource

ALL: frozenset[Topic] = frozenset({"cluster", "resource", "finding", "command", "resync"})
NINA = Grants.of((Grant(Role.VIEWER, Scope("edge", "shop")),))
EDGE_ADMIN = Grants.of((Grant(Role.ADMIN, Scope("edge")),))
VERA = Grants.of((Grant(Role.VIEWER, GLOBAL),))


def _change(topic: Topic, cluster: str = "edge", namespace: str | None = "shop") -> Change:
    return Change(1, topic, cluster, namespace, "upsert", None)


# -- viewers ---------------------------------------------------------------------------------


def test_topics_are_named_like_the_collections_and_resync_always_comes() -> None:
    assert parse_topics("clusters, findings") == {"cluster", "finding", "resync"}
    with pytest.raises(UnknownTopic):
        parse_topics("pods")
    with pytest.raises(UnknownTopic):
        parse_topics(" , ")


@pytest.mark.parametrize(
    ("change", "nina", "edge_admin"),
    [
        (_change("resource", namespace="shop"), True, True),
        (_change("resource", namespace="default"), False, True),
        (_change("resource", namespace=""), False, True),  # a node: the cluster as a whole
        (_change("finding", namespace="shop"), True, True),
        (_change("command", namespace="kube-system"), False, True),
        (_change("cluster", namespace=None), True, True),  # status of a cluster she sees
        (_change("resync", namespace=None), True, True),
        (_change("cluster", cluster="core", namespace=None), False, False),
        (_change("resource", cluster="core", namespace="shop"), False, False),
    ],
)
def test_a_stream_shows_what_the_list_routes_would(
    change: Change, nina: bool, edge_admin: bool
) -> None:
    assert Viewer(NINA, ALL).sees(change) is nina
    assert Viewer(EDGE_ADMIN, ALL).sees(change) is edge_admin
    assert Viewer(VERA, ALL).sees(change)  # a global viewer sees everything


def test_topics_and_the_cluster_filter_narrow_what_a_stream_shows() -> None:
    only_findings = Viewer(VERA, parse_topics("findings"))
    assert only_findings.sees(_change("finding"))
    assert not only_findings.sees(_change("resource"))
    assert only_findings.sees(_change("resync"))
    one_cluster = Viewer(VERA, ALL, cluster="edge")
    assert one_cluster.sees(_change("resource"))
    assert not one_cluster.sees(_change("resource", cluster="core"))
    assert one_cluster.sees(Change(1, "resync", "", None, "hello", None))  # every cluster's


# -- frames ----------------------------------------------------------------------------------


def _parse(frame: bytes) -> dict[str, str]:
    assert frame.endswith(b"\n\n") and frame.count(b"\n") == 4, frame
    fields = dict(line.split(": ", 1) for line in frame.decode().strip("\n").split("\n"))
    return fields


def test_an_event_is_an_id_a_topic_and_one_line_of_json() -> None:
    res = Resource(ObjectRef("Pod", "shop", "web-0", "u0"), "7", {"app": "web"}, "ok", b'{"a":1}')
    change = Change(42, "resource", "edge", "shop", "upsert", res)
    fields = _parse(frames.frame(change))
    assert fields["id"] == "42" and fields["event"] == "resource"
    data = orjson.loads(fields["data"])
    assert data == {
        "cluster": "edge",
        "kind": "Pod",
        "op": "upsert",
        "namespace": "shop",
        "name": "web-0",
        "object": {
            "kind": "Pod",
            "namespace": "shop",
            "name": "web-0",
            "uid": "u0",
            "resource_version": "7",
            "health": "ok",
            "labels": {"app": "web"},
            "object": {"a": 1},
        },
    }
    deleted = Change(43, "resource", "edge", "shop", "delete", res)
    assert orjson.loads(_parse(frames.frame(deleted))["data"])["object"] is None


def test_a_body_with_line_breaks_still_makes_one_data_line() -> None:
    body = b'{\n  "spec": {\r\n "nodeName": "n1"\n }\n}'
    res = Resource(ObjectRef("Pod", "shop", "web-0"), "1", {}, "ok", body)
    fields = _parse(frames.frame(Change(1, "resource", "edge", "shop", "upsert", res)))
    assert orjson.loads(fields["data"])["object"]["object"] == {"spec": {"nodeName": "n1"}}


def test_a_frame_is_encoded_once_and_reused_by_every_stream() -> None:
    f = Finding(
        "fp", "OOMKilled", Severity.WARNING, "pod", ObjectRef("Pod", "shop", "w"), "m", 1, 2
    )
    change = Change(5, "finding", "edge", "shop", "opened", f)
    first = frames.frame(change)
    assert frames.frame(change) is first
    data = orjson.loads(_parse(first)["data"])
    assert data["op"] == "opened" and data["cluster"] == "edge"
    assert data["finding"]["fingerprint"] == "fp" and data["finding"]["severity"] == "warning"


def test_a_command_event_carries_its_view_and_transitions() -> None:
    row = CommandRow(
        "c1", "edge", "restart", "Pod/shop/w", b"{}", False, "", CommandState.SENT, 1, 2, 9, "otto"
    )
    snap = CommandSnapshot(
        row,
        (
            TransitionRow("c1", CommandState.PENDING, 1, ""),
            TransitionRow("c1", CommandState.SENT, 2, ""),
        ),
    )
    data = orjson.loads(
        _parse(frames.frame(Change(9, "command", "edge", "shop", "", snap)))["data"]
    )
    assert data["command"]["id"] == "c1" and data["command"]["state"] == "sent"
    assert [t["state"] for t in data["command"]["transitions"]] == ["pending", "sent"]


def test_resync_and_heartbeat_frames() -> None:
    fields = _parse(frames.resync(7, "hello"))
    assert fields["event"] == "resync" and fields["id"] == "7"
    assert orjson.loads(fields["data"]) == {"reason": "hello", "cluster": None}
    assert frames.HEARTBEAT == b": hb\n\n"


# -- a stream's cursor -----------------------------------------------------------------------


def _feed(n: int, capacity: int = 10) -> ChangeFeed:
    feed = ChangeFeed(capacity, base=1000)
    for i in range(n):
        ns = "shop" if i % 2 == 0 else "default"
        feed.publish("cluster", cluster="edge", namespace=ns, op="", subject={"n": i})
    return feed


def _ids(chunk: bytes) -> list[int]:
    return [int(line[4:]) for line in chunk.split(b"\n") if line.startswith(b"id: ")]


def _reasons(chunk: bytes) -> list[str]:
    return [
        orjson.loads(line[6:])["reason"]
        for line in chunk.split(b"\n")
        if line.startswith(b"data: ") and b'"reason"' in line
    ]


def test_a_fresh_stream_hears_hello_with_the_current_id_then_only_new_changes() -> None:
    feed = _feed(3)
    reader = Reader(feed, Viewer(VERA, ALL))
    opening = reader.start(None)
    assert _reasons(opening) == ["hello"] and _ids(opening) == [1003]
    assert not reader.pending and reader.chunk(100) == b""
    feed.publish("cluster", cluster="edge", namespace=None, op="", subject={})
    assert _ids(reader.chunk(100)) == [1004]


def test_a_resumed_stream_gets_every_later_change_it_may_see() -> None:
    feed = _feed(6)
    reader = Reader(feed, Viewer(VERA, ALL))
    assert reader.start(1002) == b""
    assert _ids(reader.chunk(100)) == [1003, 1004, 1005, 1006]
    nina = Reader(feed, Viewer(NINA, ALL))
    nina.start(1001)
    # "cluster" topic with a namespace is an object change for the filter's sake: shop only
    assert _ids(nina.chunk(100)) == [1003, 1005]
    assert not nina.pending


@pytest.mark.parametrize(
    ("last_id", "reason"),
    [
        ("1001", "expired"),  # the ring (10) holds 1006..1015 after 15 changes
        ("999", "restarted"),  # below this process's first id
        ("2000", "unknown"),
        ("soon", "unknown"),
    ],
)
def test_a_resume_from_an_id_no_longer_held_is_told_to_resync(last_id: str, reason: str) -> None:
    feed = _feed(15)
    reader = Reader(feed, Viewer(VERA, ALL))
    opening = reader.start(parse_event_id(last_id))
    assert _reasons(opening) == [reason] and _ids(opening) == [feed.head]
    assert not reader.pending


def test_a_stream_the_ring_overtakes_is_behind_and_told_to_resync() -> None:
    feed = _feed(0)
    reader = Reader(feed, Viewer(VERA, ALL))
    reader.start(None)
    _feed_more(feed, 5)
    assert not reader.behind
    assert len(_ids(reader.chunk(2))) == 2  # chunks are bounded
    _feed_more(feed, 20)
    assert reader.behind
    assert reader.chunk(100) == b"" and reader.behind  # never reads past the gap
    assert _reasons(reader.resync_behind()) == ["behind"]
    assert not reader.behind and not reader.pending


def _feed_more(feed: ChangeFeed, n: int) -> None:
    for _ in range(n):
        feed.publish("cluster", cluster="edge", namespace=None, op="", subject={})


# -- the registry ----------------------------------------------------------------------------


def test_streams_past_the_cap_and_during_shutdown_are_refused() -> None:
    streams = Streams(StreamSettings(clients_max=2))
    streams.admit()
    streams.admit()
    with pytest.raises(StreamsFull):
        streams.admit()
    streams.release()
    streams.admit()
    streams.close_all()
    streams.release()
    with pytest.raises(Exception, match="shutting down"):
        streams.admit()


# -- cluster events --------------------------------------------------------------------------


def test_a_cluster_event_is_published_when_its_status_changes_and_a_resync_when_removed() -> None:
    now = [0.0]
    feed = ChangeFeed(100, base=0)
    hub = DataHub(reconnecting_after_s=5, offline_after_s=30, clock=lambda: now[0], changes=feed)
    state = hub.ensure("edge")
    state.stream_open = True
    hub.heard(state)
    seen = {"edge": signature(hub, state)}
    assert check(hub, seen) == 0  # nothing changed
    now[0] = 10.0  # silent for longer than reconnecting_after
    assert check(hub, seen) == 1
    [change] = feed.read(0, 10)
    assert change.topic == "cluster" and change.namespace is None
    assert change.subject == cluster_view(hub, state)
    assert orjson.loads(_parse(frames.frame(change))["data"])["status"] == "reconnecting"
    assert check(hub, seen) == 0
    hub.forget("edge")
    assert check(hub, seen) == 1
    gone = feed.read(1, 10)[0]
    assert (gone.topic, gone.op, gone.cluster) == ("resync", "removed", "edge")


def test_a_chunk_stops_at_its_byte_budget_and_the_next_goes_on_from_there() -> None:
    feed = _feed(0)
    reader = Reader(feed, Viewer(VERA, ALL))
    reader.start(None)
    _feed_more(feed, 10)
    one = len(frames.frame(feed.read(feed.head - 1, 1)[0]))
    first = reader.chunk(100, max_bytes=3 * one)
    assert len(_ids(first)) == 3 and reader.pending
    assert len(_ids(reader.chunk(100))) == 7 and not reader.pending
