"""The detectors' one lookup index (``IndexContext``) answers like a linear scan, only faster,
and its change clock moves whenever an answer could differ."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from agent.detect.context import IndexContext, KubeObject
from agent.detect.objects import LabelSelector
from agent.detect.selectors import matches


def _pod(name: str, labels: dict[str, str], owner: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns", "labels": labels}
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "controller": True}]
    return {"metadata": meta}


labels_st = st.dictionaries(st.sampled_from("abc"), st.sampled_from("xyz"), max_size=3)
selectors_st = st.builds(
    lambda ml, ex: {"matchLabels": ml, "matchExpressions": ex},
    labels_st,
    st.lists(
        st.fixed_dictionaries(
            {
                "key": st.sampled_from("abc"),
                "operator": st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]),
                "values": st.lists(st.sampled_from("xyz"), max_size=2),
            }
        ),
        max_size=2,
    ),
)


@given(
    pods=st.lists(st.tuples(st.integers(0, 9), labels_st), max_size=20),
    selector=selectors_st,
)
def test_select_matches_the_linear_scan_through_updates(
    pods: list[tuple[int, dict[str, str]]], selector: LabelSelector
) -> None:
    fast, scanned = IndexContext(), dict[str, KubeObject]()
    for i, labels in pods:  # repeated names are updates, some with changed labels
        fast.upsert("Pod", _pod(f"p{i}", labels))
        scanned[f"p{i}"] = _pod(f"p{i}", labels)
    names = sorted(o["metadata"]["name"] for o in fast.select("Pod", "ns", selector))
    expected = sorted(
        name for name, o in scanned.items() if matches(o["metadata"]["labels"], selector)
    )
    assert names == expected


def test_relabelled_and_deleted_objects_leave_the_index() -> None:
    ctx = IndexContext()
    ctx.upsert("Pod", _pod("p", {"app": "a"}))
    ctx.upsert("Pod", _pod("p", {"app": "b"}))
    assert ctx.select("Pod", "ns", {"matchLabels": {"app": "a"}}) == []
    assert len(ctx.select("Pod", "ns", {"matchLabels": {"app": "b"}})) == 1
    ctx.delete("Pod", "ns", "p")
    assert ctx.select("Pod", "ns", {"matchLabels": {"app": "b"}}) == []
    assert ctx.get("Pod", "ns", "p") is None


def test_owned_follows_controller_references() -> None:
    ctx = IndexContext()
    ctx.upsert("Pod", _pod("p1", {}, owner="rs-1"))
    ctx.upsert("Pod", _pod("p2", {}, owner="rs-1"))
    ctx.upsert("Pod", _pod("p3", {}, owner="rs-2"))
    assert [o["metadata"]["name"] for o in ctx.owned("Pod", "ns", "ReplicaSet", "rs-1")] == [
        "p1",
        "p2",
    ]
    ctx.upsert("Pod", _pod("p2", {}, owner="rs-2"))
    assert [o["metadata"]["name"] for o in ctx.owned("Pod", "ns", "ReplicaSet", "rs-1")] == ["p1"]


def test_an_empty_selector_matches_nothing() -> None:
    ctx = IndexContext()
    ctx.upsert("Pod", _pod("p", {"app": "a"}))
    assert ctx.select("Pod", "ns", {}) == []


def test_known_gone_only_for_scopes_marked_complete() -> None:
    ctx = IndexContext()
    ctx.upsert("Pod", {"metadata": {"name": "p", "namespace": "ns", "uid": "u1"}})
    assert not ctx.known_gone("Pod", "ns", "missing")  # nothing listed yet: unknown
    ctx.mark_complete("Pod", "other")
    assert not ctx.known_gone("Pod", "ns", "missing")  # another namespace's list says nothing
    ctx.mark_complete("Pod", "ns")
    assert ctx.known_gone("Pod", "ns", "missing")
    assert not ctx.known_gone("Pod", "ns", "p")
    assert not ctx.known_gone("Pod", "ns", "p", "u1")
    assert ctx.known_gone("Pod", "ns", "p", "u0")  # same name, another (earlier) pod
    assert not ctx.known_gone("ReplicaSet", "ns", "missing")  # completeness is per kind
    ctx.mark_complete("Pod", "ns", False)  # relisting: back to unknown
    assert not ctx.known_gone("Pod", "ns", "missing")
    ctx.mark_complete("Pod", None)  # one list of every namespace
    assert ctx.known_gone("Pod", "elsewhere", "missing")
    ctx.delete("Pod", "ns", "p")
    assert ctx.known_gone("Pod", "ns", "p", "u1")


@given(
    ops=st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), labels_st), st.booleans()),
        max_size=25,
    ),
    pairs=labels_st,
)
def test_the_change_clock_moves_whenever_a_matchlabels_select_could_differ(
    ops: list[tuple[int, dict[str, str] | None, bool]], pairs: dict[str, str]
) -> None:
    lookups = IndexContext()
    selector: LabelSelector = {"matchLabels": pairs}
    for i, labels, ready in ops:  # labels None: delete
        before, tick = list(lookups.select("Pod", "ns", selector)), lookups.tick
        if labels is None:
            lookups.delete("Pod", "ns", f"p{i}")
        else:
            pod = _pod(f"p{i}", labels)
            pod["status"] = {"ready": ready}  # a status-only update is a change too
            lookups.upsert("Pod", pod)
        after = list(lookups.select("Pod", "ns", selector))
        if [id(o) for o in after] != [id(o) for o in before]:
            assert lookups.last_change("Pod", "ns", pairs) > tick
        assert lookups.last_change("Pod", "ns", None) == lookups.tick
