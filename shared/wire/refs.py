"""ObjectRef and Resource conversions.

Decoding a resource checks its body is a JSON object (``shared.wire.payloads``): the master
splices bodies into its responses as they are."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.domain.refs import ObjectRef
from shared.domain.resources import (
    HEALTH_VALUES,
    Health,
    Resource,
    ResourceDelta,
    SourceState,
    SourceStatus,
    Synced,
)
from shared.pb.lookout.v1 import resources_pb2 as pb
from shared.wire.errors import WireError
from shared.wire.payloads import object_body


def ref_to_pb(ref: ObjectRef) -> pb.ObjectRef:
    return pb.ObjectRef(kind=ref.kind, namespace=ref.namespace, name=ref.name, uid=ref.uid)


def ref_from_pb(msg: pb.ObjectRef) -> ObjectRef:
    return ObjectRef(kind=msg.kind, namespace=msg.namespace, name=msg.name, uid=msg.uid)


def resource_to_pb(res: Resource) -> pb.Resource:
    return pb.Resource(
        ref=ref_to_pb(res.ref),
        resource_version=res.resource_version,
        labels=dict(res.labels),
        health=res.health,
        body_json=res.body_json,
    )


def _health(text: str) -> Health:
    if text not in HEALTH_VALUES:  # a frozenset lookup: cheap enough for every object
        raise WireError(f"unknown health {text!r}")
    return text  # type: ignore[return-value]


# Shared by every object without labels: the snapshot path decodes thousands per frame, and
# protobuf's map -> dict copy costs microseconds even when empty.
_NO_LABELS: Mapping[str, str] = MappingProxyType({})


def resource_from_pb(msg: pb.Resource, kind: str | None = None) -> Resource:
    """``kind``: the delta's kind, which the object must have (checked here, in one pass)."""
    r = msg.ref
    if not r.kind or not r.name:
        raise WireError("resource without kind or name")
    if kind is not None and r.kind != kind:
        raise WireError(f"delta of kind {kind!r} carries an object of kind {r.kind!r}")
    labels = msg.labels
    return Resource(
        ObjectRef(r.kind, r.namespace, r.name, r.uid),
        msg.resource_version,
        {k: labels[k] for k in labels} if labels else _NO_LABELS,
        _health(msg.health or "unknown"),
        object_body(msg.body_json),
    )


def delta_to_pb(delta: ResourceDelta) -> pb.ResourceDelta:
    return pb.ResourceDelta(
        kind=delta.kind,
        upserts=[resource_to_pb(r) for r in delta.upserts],
        deletes=[ref_to_pb(r) for r in delta.deletes],
        snapshot_id=delta.snapshot_id,
    )


def delta_from_pb(msg: pb.ResourceDelta) -> ResourceDelta:
    kind = msg.kind
    upserts = tuple(resource_from_pb(r, kind) for r in msg.upserts)
    deletes = tuple(ref_from_pb(r) for r in msg.deletes)
    for ref in deletes:
        if ref.kind != kind:
            raise WireError(f"delta of kind {kind!r} carries an object of kind {ref.kind!r}")
    return ResourceDelta(
        kind=msg.kind, upserts=upserts, deletes=deletes, snapshot_id=msg.snapshot_id
    )


def synced_to_pb(s: Synced) -> pb.Synced:
    return pb.Synced(snapshot_id=s.snapshot_id, kinds=list(s.kinds), objects=s.objects)


def synced_from_pb(msg: pb.Synced) -> Synced:
    if msg.snapshot_id == 0:
        raise WireError("synced marker without snapshot id")
    return Synced(snapshot_id=msg.snapshot_id, kinds=tuple(msg.kinds), objects=msg.objects)


_SOURCE_STATES = frozenset({"syncing", "synced", "forbidden", "error", "disabled"})


def source_status_to_pb(s: SourceStatus) -> pb.SourceStatus:
    return pb.SourceStatus(kind=s.kind, state=s.state, message=s.message)


def source_status_from_pb(msg: pb.SourceStatus) -> SourceStatus:
    if msg.state not in _SOURCE_STATES:
        raise WireError(f"unknown source state {msg.state!r}")
    state: SourceState = msg.state  # type: ignore[assignment]
    return SourceStatus(kind=msg.kind, state=state, message=msg.message)
