"""Pending changes leave the mirror in frames of at most N objects of one kind, in the order
they happened, each object once (coalesced), until nothing is pending."""

from __future__ import annotations

from agent.snapshot.mirror import Mirror
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource


def _obj(kind: str, name: str, rv: str = "1") -> Resource:
    return Resource(ObjectRef(kind, "default", name, f"uid-{name}"), rv, {}, "ok", b"{}")


def test_pending_changes_come_out_in_bounded_frames_in_order_each_object_once() -> None:
    mirror = Mirror()
    mirror.attach()
    names = [f"p{i}" for i in range(1_200)]
    for name in names:
        mirror.upsert(_obj("Pod", name))
    mirror.upsert(_obj("Pod", "p7", rv="2"))  # changed again before it went: one, the newest
    mirror.delete(ObjectRef("Pod", "default", "p9", "uid-p9"))
    mirror.upsert(_obj("Node", "n1"))
    frames = []
    while mirror.pending:
        frames += mirror.take_deltas(500)
    assert [(f.kind, len(f.upserts) + len(f.deletes)) for f in frames] == [
        ("Pod", 500),
        ("Pod", 500),
        ("Pod", 200),
        ("Node", 1),
    ]
    pods = [u for f in frames if f.kind == "Pod" for u in f.upserts]
    assert [u.ref.name for u in pods] == [n for n in names if n != "p9"]
    assert next(u for u in pods if u.ref.name == "p7").resource_version == "2"
    assert [d.name for f in frames for d in f.deletes] == ["p9"]
