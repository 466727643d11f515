"""The change feed: a bounded ring of changes with monotonic ids, and what the DataHub and its
clusters publish into it (accepted changes only, once each)."""

from __future__ import annotations

import asyncio

import pytest

from master.datahub.changes import ChangeFeed, id_base
from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.datahub.settings import LimitsSettings
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta, Synced


def _pod(name: str, rv: str = "1", ns: str = "shop") -> Resource:
    return Resource(ObjectRef("Pod", ns, name, f"uid-{name}"), rv, {}, "ok", b"{}")


def _publish(feed: ChangeFeed, n: int) -> None:
    for i in range(n):
        feed.publish("resource", cluster="edge", namespace="shop", op="upsert", subject=i)


def test_ids_follow_the_process_start_and_count_up_by_one() -> None:
    feed = ChangeFeed(4, base=id_base(1_700_000_000_000))
    assert feed.head == feed.base == 1_700_000_000_000_000
    _publish(feed, 3)
    assert [c.id for c in feed.read(feed.base, 10)] == [feed.base + 1, feed.base + 2, feed.base + 3]
    assert [c.subject for c in feed.read(feed.base + 1, 10)] == [1, 2]
    assert feed.read(feed.head, 10) == []


def test_the_ring_keeps_only_the_newest_capacity_changes() -> None:
    feed = ChangeFeed(4, base=0)
    _publish(feed, 10)
    assert feed.held == 4 and feed.oldest == 7
    assert [c.subject for c in feed.read(0, 100)] == [6, 7, 8, 9]
    assert feed.holds_after(6) and feed.holds_after(10)
    assert not feed.holds_after(5)  # change 6 is gone: a reader at 5 has a gap
    assert not feed.holds_after(11)  # never given


def test_read_is_bounded_by_its_limit() -> None:
    feed = ChangeFeed(100, base=0)
    _publish(feed, 50)
    assert [c.id for c in feed.read(10, 3)] == [11, 12, 13]


async def test_one_wake_per_burst_reaches_every_waiter() -> None:
    feed = ChangeFeed(10, base=0)
    first, second = feed.woken(), feed.woken()
    assert first is second  # shared by all waiters until the next publish
    waiters = [asyncio.create_task(first.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    _publish(feed, 5)
    async with asyncio.timeout(5):
        await asyncio.gather(*waiters)
    assert feed.woken() is not first  # the next waiter arms a new one


def test_a_feed_refuses_to_hold_nothing() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ChangeFeed(0)


# -- what the DataHub publishes ------------------------------------------------------------------


def _ops(feed: ChangeFeed, after: int = 0) -> list[tuple[str, str, str | None]]:
    out = []
    for c in feed.read(after, 10_000):
        name = getattr(getattr(c.subject, "ref", None), "name", None)
        out.append((c.topic, c.op, name))
    return out


def _state(**bounds: int) -> tuple[ClusterState, ChangeFeed]:
    feed = ChangeFeed(1000, base=0)
    hub = DataHub(
        reconnecting_after_s=5, offline_after_s=30, limits=LimitsSettings(**bounds), changes=feed
    )
    return hub.ensure("edge"), feed


def test_live_deltas_publish_each_accepted_upsert_and_each_known_delete() -> None:
    state, feed = _state(objects_per_kind=2)
    state.apply_delta(ResourceDelta("Pod", upserts=(_pod("a"), _pod("b"), _pod("c"))))
    state.apply_delta(ResourceDelta("Pod", deletes=(_pod("a").ref, _pod("zz").ref)))
    resources = [o for o in _ops(feed) if o[0] == "resource"]
    # "c" was refused (the bound), "zz" was never held: neither is news
    assert resources == [
        ("resource", "upsert", "a"),
        ("resource", "upsert", "b"),
        ("resource", "delete", "a"),
    ]
    assert ("finding", "opened", None) in _ops(feed)  # the master's finding about the bound


def test_staged_snapshot_chunks_publish_nothing_and_the_first_swap_asks_for_a_resync() -> None:
    state, feed = _state()
    state.apply_delta(ResourceDelta("Pod", upserts=(_pod("a"),), snapshot_id=7))
    assert feed.head == feed.base
    assert state.apply_synced(Synced(7, ("Pod",), 1))
    [change] = feed.read(0, 10)
    assert (change.topic, change.op, change.cluster, change.namespace) == (
        "resync",
        "snapshot",
        "edge",
        None,
    )


def test_a_later_swap_publishes_only_its_differences() -> None:
    state, feed = _state()
    state.apply_delta(ResourceDelta("Pod", upserts=(_pod("a"), _pod("b")), snapshot_id=1))
    state.apply_synced(Synced(1, ("Pod",), 2))
    mark = feed.head
    # b unchanged, a changed, c new, and d never seen... a reconnect's snapshot without b's twin
    snap = (_pod("a", rv="2"), _pod("c"))
    state.apply_delta(ResourceDelta("Pod", upserts=snap, snapshot_id=2))
    state.apply_synced(Synced(2, ("Pod",), 2))
    assert sorted(_ops(feed, mark)) == [
        ("resource", "delete", "b"),
        ("resource", "upsert", "a"),
        ("resource", "upsert", "c"),
    ]


def test_a_swap_with_more_differences_than_the_feed_allows_is_one_resync() -> None:
    feed = ChangeFeed(1000, base=0, swap_max=3)
    state = DataHub(reconnecting_after_s=5, offline_after_s=30, changes=feed).ensure("edge")
    state.apply_synced(Synced(0, (), 0))  # an empty cluster: synced, nothing to tell
    mark = feed.head
    pods = tuple(_pod(f"p{i}") for i in range(4))
    state.apply_delta(ResourceDelta("Pod", upserts=pods, snapshot_id=3))
    state.apply_synced(Synced(3, ("Pod",), 4))
    assert _ops(feed, mark) == [("resync", "snapshot", None)]


def _finding(fp: str, *, resolved: bool = False, count: int = 1) -> Finding:
    return Finding(
        fp,
        "CrashLoopBackOff",
        Severity.CRITICAL,
        "pod",
        ObjectRef("Pod", "shop", "web-0"),
        "crash",
        1,
        count,
        count=count,
        resolved=resolved,
    )


def test_journal_findings_publish_opened_changed_and_resolved() -> None:
    feed = ChangeFeed(100, base=0)
    hub = DataHub(reconnecting_after_s=5, offline_after_s=30, changes=feed)
    state = hub.ensure("edge")

    def batch(seq: int, *findings: Finding) -> list[JournalRecord]:
        return [JournalRecord(seq, seq, FindingBatch(findings))]

    hub.apply_journal(state, batch(1, _finding("fp")))
    hub.apply_journal(state, batch(2, _finding("fp", count=2)))
    hub.apply_journal(
        state, batch(3, _finding("fp", resolved=True), _finding("other", resolved=True))
    )
    changes = feed.read(0, 10)
    assert [(c.topic, c.op) for c in changes] == [
        ("finding", "opened"),
        ("finding", "changed"),
        ("finding", "resolved"),  # "other" was not active: no news
    ]
    assert all(c.namespace == "shop" for c in changes)
