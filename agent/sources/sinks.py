"""The ``watching.Sink`` of one source: what its informers list and watch goes through the
object path (``agent.sources.pipeline.Pipeline``) into the mirror.

Owns the bookkeeping of one kind across its watch scopes (one scope, or one per included
namespace): which keys each scope holds (so a relist turns missing objects into deletes),
``replace_kind`` for the single cluster-wide scope versus per-object upserts/deletes for
several namespaces, the kind's status as the worst of its scopes', and telling the object path
each scope's own state (``Path.source_state``: the detectors' index trusts only synced scopes).
Does not own judging or projecting (``Path``) or the list/watch protocol (``watching``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from agent.sources.spec import Raw, SourceSpec
from shared.clock import now_ms
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, SourceState, SourceStatus

Key = tuple[str, str]  # (namespace, name)

_STATE_RANK: dict[SourceState, int] = {
    "synced": 0,
    "disabled": 0,
    "syncing": 1,
    "error": 2,
    "forbidden": 3,
}


class MirrorPort(Protocol):
    def upsert(self, res: Resource) -> None: ...
    def delete(self, ref: ObjectRef) -> None: ...
    def replace_kind(self, kind: str, items: Iterable[Resource]) -> None: ...
    def set_source_status(self, status: SourceStatus) -> None: ...
    def hold_snapshots(self) -> None: ...
    def release_snapshots(self) -> None: ...


class Path(Protocol):
    """What a sink needs from ``agent.sources.pipeline.Pipeline``."""

    mirror: MirrorPort

    def admit(self, spec: SourceSpec, obj: Raw, now: int) -> Resource | None: ...
    def forget(self, kind: str, ns: str, name: str, now: int) -> None: ...
    def resync(self, kind: str, present: Collection[Key], now: int) -> None: ...
    def flush(self, now: int) -> None: ...
    def source_state(self, kind: str, namespace: str | None, state: SourceState) -> None: ...


class KindSink:
    """The ``watching.Sink`` of one source: its informers' objects go through the pipeline."""

    def __init__(self, spec: SourceSpec, *, pipeline: Path, scopes: Sequence[str | None]) -> None:
        self.spec = spec
        self.p = pipeline
        self._single = len(scopes) == 1 and scopes[0] is None
        self._keys: dict[str | None, dict[Key, str]] = {s: {} for s in scopes}  # key -> uid
        self._listing: dict[str | None, tuple[list[Resource], dict[Key, str]]] = {}
        self._states: dict[str | None, tuple[SourceState, str]] = {}

    def begin_list(self, namespace: str | None) -> None:
        self._listing[namespace] = ([], {})

    def list_page(self, namespace: str | None, items: list[Raw]) -> None:
        now = now_ms()
        resources, keys = self._listing[namespace]
        for obj in items:
            res = self.p.admit(self.spec, obj, now)
            if res is not None:
                resources.append(res)
                keys[(res.ref.namespace, res.ref.name)] = res.ref.uid
        self.p.flush(now)

    def end_list(self, namespace: str | None) -> None:
        now = now_ms()
        resources, keys = self._listing.pop(namespace)
        kind = self.spec.kind
        old = self._keys.get(namespace, {})
        for ns, name in old.keys() - keys.keys():
            self.p.forget(kind, ns, name, now)
            if not self._single:
                self.p.mirror.delete(ObjectRef(kind, ns, name, old[(ns, name)]))
        self._keys[namespace] = keys
        if self._single:
            self.p.mirror.replace_kind(kind, resources)
        else:
            for res in resources:
                self.p.mirror.upsert(res)
        present: set[Key] = set()
        for scoped in self._keys.values():
            present.update(scoped)
        self.p.resync(kind, present, now)
        self.p.flush(now)

    def event(self, namespace: str | None, type_: str, obj: Raw) -> None:
        now = now_ms()
        keys = self._keys.setdefault(namespace, {})
        if type_ == "DELETED":
            if self.spec.normalize is not None:
                obj = self.spec.normalize(obj)
            meta = obj.get("metadata") or {}
            ns, name = meta.get("namespace") or "", meta.get("name") or ""
            uid = keys.pop((ns, name), None)
            if uid is not None:
                self.p.forget(self.spec.kind, ns, name, now)
                self.p.mirror.delete(ObjectRef(self.spec.kind, ns, name, uid))
        else:
            res = self.p.admit(self.spec, obj, now)
            if res is not None:
                keys[(res.ref.namespace, res.ref.name)] = res.ref.uid
                self.p.mirror.upsert(res)
        self.p.flush(now)

    def status(self, namespace: str | None, state: SourceState, message: str) -> None:
        # Several namespace-scoped informers share one status: report the worst of them.
        self._states[namespace] = (state, message)
        worst = max(self._states.values(), key=lambda sm: _STATE_RANK[sm[0]])
        self.p.mirror.set_source_status(SourceStatus(self.spec.kind, worst[0], worst[1]))
        # The index's completeness is per scope, not the worst of them.
        self.p.source_state(self.spec.kind, namespace, state)
