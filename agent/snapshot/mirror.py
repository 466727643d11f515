"""The agent's mirror of trimmed objects, and what the master still has to hear about them.

Owns: the current slim ``Resource`` per (kind, namespace, name), the per-object coalesced
pending changes since the last frame sent (a flapping object costs one entry, not one per
event), full snapshots after a (re)connect, and per-kind source status. Deliberately owns no
networking and no Kubernetes access: sources feed it, the uplink drains it.

While no stream is attached nothing is tracked as pending — the next connection starts with a
full snapshot anyway, so a long outage costs no memory beyond the objects themselves.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource, ResourceDelta, SourceStatus, Synced

log = logging.getLogger(__name__)

_Key = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A full snapshot in chunks of at most ``chunk`` objects, then its ``Synced`` marker."""

    deltas: tuple[ResourceDelta, ...]
    synced: Synced


class Mirror:
    def __init__(self, *, pending_cap: int = 200_000, wake: asyncio.Event | None = None) -> None:
        self._objects: dict[str, dict[_Key, Resource]] = {}
        # kind -> key -> Resource (upsert) or ObjectRef (delete); insertion-ordered per kind.
        self._pending: dict[str, dict[_Key, Resource | ObjectRef]] = {}
        self._pending_count = 0
        self._pending_cap = pending_cap
        self._attached = False
        self._needs_snapshot = True
        self._status: dict[str, SourceStatus] = {}
        self._status_dirty = False
        self._snapshot_ids = itertools.count(1)
        self._held = False
        # Set on every change; the uplink may share one event between mirror and outbox.
        self.changed = wake or asyncio.Event()

    # -- sources feed these ----------------------------------------------------------------------

    def upsert(self, res: Resource) -> None:
        key = (res.ref.namespace, res.ref.name)
        self._objects.setdefault(res.ref.kind, {})[key] = res
        self._mark(res.ref.kind, key, res)

    def delete(self, ref: ObjectRef) -> None:
        key = (ref.namespace, ref.name)
        kind_objects = self._objects.get(ref.kind)
        if kind_objects is None or kind_objects.pop(key, None) is None:
            return
        self._mark(ref.kind, key, ref)

    def replace_kind(self, kind: str, items: Iterable[Resource]) -> None:
        """The complete current set of ``kind`` after a (re)list: what is missing was deleted."""
        fresh = {(r.ref.namespace, r.ref.name): r for r in items}
        old = self._objects.get(kind, {})
        for key, res in old.items():
            if key not in fresh:
                self._mark(kind, key, ObjectRef(kind, key[0], key[1], res.ref.uid))
        for key, res in fresh.items():
            prev = old.get(key)
            if prev is None or prev.resource_version != res.resource_version:
                self._mark(kind, key, res)
        self._objects[kind] = fresh

    def set_source_status(self, status: SourceStatus) -> None:
        if self._status.get(status.kind) == status:
            return
        self._status[status.kind] = status
        self._status_dirty = True
        self.changed.set()

    def _mark(self, kind: str, key: _Key, change: Resource | ObjectRef) -> None:
        if not self._attached:
            return
        bucket = self._pending.setdefault(kind, {})
        if key not in bucket:
            self._pending_count += 1
        bucket[key] = change
        if self._pending_count > self._pending_cap:
            # The master is not keeping up; a fresh snapshot is cheaper than unbounded deltas.
            log.warning("pending deltas over %d: resending a full snapshot", self._pending_cap)
            self._clear_pending()
            self._needs_snapshot = True
        self.changed.set()

    def _clear_pending(self) -> None:
        self._pending.clear()
        self._pending_count = 0

    # -- the uplink drains these -----------------------------------------------------------------

    def attach(self) -> None:
        """A stream is up: start tracking changes (the first thing sent is a snapshot)."""
        self._attached = True
        self._needs_snapshot = True
        self._status_dirty = bool(self._status)

    def detach(self) -> None:
        self._attached = False
        self._clear_pending()

    @property
    def needs_snapshot(self) -> bool:
        return self._needs_snapshot

    def hold_snapshots(self) -> None:
        """Sources are still listing: a snapshot now would tell the master the cluster is
        (nearly) empty and synced, and every object would then trickle in as a delta."""
        self._held = True

    def release_snapshots(self) -> None:
        self._held = False
        self.changed.set()

    @property
    def snapshot_ready(self) -> bool:
        return not self._held

    def snapshot(self, chunk: int) -> Snapshot:
        """Everything current, chunked; pending changes are folded in, so afterwards only
        changes made after this call are sent as deltas."""
        self._clear_pending()
        self._needs_snapshot = False
        snap_id = next(self._snapshot_ids)
        deltas: list[ResourceDelta] = []
        total = 0
        for kind, objs in self._objects.items():
            items = list(objs.values())
            total += len(items)
            for i in range(0, len(items), chunk):
                deltas.append(
                    ResourceDelta(
                        kind=kind, upserts=tuple(items[i : i + chunk]), snapshot_id=snap_id
                    )
                )
        kinds = tuple(sorted(set(self._objects) | set(self._status)))
        return Snapshot(tuple(deltas), Synced(snapshot_id=snap_id, kinds=kinds, objects=total))

    def take_deltas(self, max_objects: int) -> list[ResourceDelta]:
        """Pending changes, at most ``max_objects`` objects, grouped by kind."""
        out: list[ResourceDelta] = []
        budget = max_objects
        for kind in list(self._pending):
            if budget <= 0:
                break
            bucket = self._pending[kind]
            taken = list(itertools.islice(bucket.items(), budget))
            for key, _ in taken:
                del bucket[key]
            if not bucket:
                del self._pending[kind]
            budget -= len(taken)
            self._pending_count -= len(taken)
            upserts = tuple(c for _, c in taken if isinstance(c, Resource))
            deletes = tuple(c for _, c in taken if isinstance(c, ObjectRef))
            out.append(ResourceDelta(kind=kind, upserts=upserts, deletes=deletes))
        return out

    def take_status(self) -> list[SourceStatus] | None:
        if not self._status_dirty:
            return None
        self._status_dirty = False
        return list(self._status.values())

    @property
    def pending(self) -> int:
        return self._pending_count

    def counts(self) -> dict[str, int]:
        return {kind: len(objs) for kind, objs in self._objects.items()}

    def iter_kind(self, kind: str) -> Iterator[Resource]:
        return iter(self._objects.get(kind, {}).values())
