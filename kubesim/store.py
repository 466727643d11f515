"""In-memory object store: resourceVersions, a bounded event history, watch fan-out.

Owns: every object of one simulated cluster, kept as compact JSON bytes (serialized once per
change, so lists and watch fan-out to many watchers never re-serialize, and 5,000 pods stay
small); the cluster-wide resourceVersion counter; a bounded history of change events that
decides when a watch gets 410 Gone; an owner index for garbage collection and controllers.
Does not own: HTTP, defaulting/validation (``http``), behaviour (``controllers``).

Everything runs on one asyncio loop, so a commit (new rv, history append, fan-out, listener
calls) is atomic with respect to readers without locks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import orjson

from kubesim.errors import already_exists, conflict, gone, not_found
from kubesim.kinds import Obj
from kubesim.timeutil import now_iso

Key = tuple[str, str]  # (namespace or "", name)
Listener = Callable[[str, str, Obj], None]  # (resource, event type, object)


@dataclass(slots=True)
class Event:
    rv: int
    resource: str
    type: str  # ADDED | MODIFIED | DELETED
    namespace: str
    raw: bytes  # the object as served, resourceVersion included


@dataclass(eq=False, slots=True)
class Watcher:
    resource: str
    namespace: str | None
    accepts: Callable[[Obj], bool] | None
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(20_000))
    # Set when the watcher fell too far behind; like the real API server we end its stream and
    # let the client re-watch from its last resourceVersion rather than buffer without bound.
    overflowed: bool = False


class Store:
    def __init__(self, *, history: int = 10_000) -> None:
        self.rv = 0
        self._objects: dict[str, dict[Key, bytes]] = {}
        self._history: deque[Event] = deque(maxlen=history)
        # Every event with rv > floor is still in the history; watching from an older rv is 410.
        self._floor = 0
        self._watchers: dict[str, set[Watcher]] = {}
        self._owned: dict[str, set[tuple[str, Key]]] = {}  # owner uid -> dependants
        self.listeners: list[Listener] = []

    # -- reads ---------------------------------------------------------------------------
    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        raw = self._objects.get(resource, {}).get((namespace, name))
        return None if raw is None else orjson.loads(raw)

    def must_get(self, resource: str, namespace: str, name: str) -> Obj:
        obj = self.get(resource, namespace, name)
        if obj is None:
            raise not_found(resource, name)
        return obj

    def items(self, resource: str, namespace: str | None = None) -> list[tuple[Key, bytes]]:
        """Objects sorted by (namespace, name): the stable order pagination relies on."""
        objs = self._objects.get(resource, {})
        if namespace is None:
            return sorted(objs.items())
        return sorted((k, v) for k, v in objs.items() if k[0] == namespace)

    def keys(self, resource: str) -> list[Key]:
        return list(self._objects.get(resource, {}))

    def count(self, resource: str) -> int:
        return len(self._objects.get(resource, {}))

    def iter_objects(self, resource: str, namespace: str | None = None) -> Iterator[Obj]:
        for (ns, _), raw in list(self._objects.get(resource, {}).items()):
            if namespace is None or ns == namespace:
                yield orjson.loads(raw)

    def dependants(self, uid: str) -> set[tuple[str, Key]]:
        return set(self._owned.get(uid, ()))

    # -- writes --------------------------------------------------------------------------
    def create(self, resource: str, obj: Obj) -> Obj:
        meta = obj.setdefault("metadata", {})
        key = (meta.get("namespace", ""), meta["name"])
        if key in self._objects.get(resource, {}):
            raise already_exists(resource, key[1])
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now_iso())
        self._commit(resource, key, obj, "ADDED")
        return obj

    def update(self, resource: str, obj: Obj, *, expect_rv: str | None = None) -> Obj:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        old = self._objects.get(resource, {}).get(key)
        if old is None:
            raise not_found(resource, key[1])
        if expect_rv and orjson.loads(old)["metadata"]["resourceVersion"] != expect_rv:
            raise conflict(resource, key[1])
        self._commit(resource, key, obj, "MODIFIED")
        return obj

    def delete(self, resource: str, namespace: str, name: str) -> Obj:
        raw = self._objects.get(resource, {}).get((namespace, name))
        if raw is None:
            raise not_found(resource, name)
        obj: Obj = orjson.loads(raw)
        self._commit(resource, (namespace, name), obj, "DELETED")
        return obj

    def compact(self) -> None:
        """Forget history up to now, like a fresh watch cache: older rvs get 410."""
        self._history.clear()
        self._floor = self.rv

    def _commit(self, resource: str, key: Key, obj: Obj, etype: str) -> None:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        # orjson hands back bytes inside a larger allocation (~4 KiB minimum); a right-sized
        # copy cuts the store's memory several-fold for small objects such as pods.
        raw = memoryview(orjson.dumps(obj)).tobytes()
        bucket = self._objects.setdefault(resource, {})
        self._index_owners(resource, key, obj, remove=etype == "DELETED")
        if etype == "DELETED":
            del bucket[key]
        else:
            bucket[key] = raw
        if len(self._history) == self._history.maxlen:
            self._floor = self._history[0].rv
        event = Event(self.rv, resource, etype, key[0], raw)
        self._history.append(event)
        for watcher in list(self._watchers.get(resource, ())):
            self._offer(watcher, event, obj)
        for listener in self.listeners:
            listener(resource, etype, obj)

    def _index_owners(self, resource: str, key: Key, obj: Obj, *, remove: bool) -> None:
        for ref in obj["metadata"].get("ownerReferences") or ():
            deps = self._owned.setdefault(ref["uid"], set())
            if remove:
                deps.discard((resource, key))
                if not deps:
                    del self._owned[ref["uid"]]
            else:
                deps.add((resource, key))

    # -- watch ---------------------------------------------------------------------------
    def watch(
        self,
        resource: str,
        *,
        namespace: str | None,
        since: int | None,
        accepts: Callable[[Obj], bool] | None = None,
    ) -> tuple[list[Event], Watcher]:
        """Events to replay first, and a registered watcher for what follows.

        ``since=None`` means "current state, then changes" (the API server's rv unset or "0"):
        synthetic ADDED events for every object. Replay and registration happen in the same
        loop turn, so no event can fall between them.
        """
        if since is None:
            initial = [
                Event(self.rv, resource, "ADDED", key[0], raw)
                for key, raw in self.items(resource, namespace)
            ]
        else:
            if since < self._floor:
                raise gone(since, self._floor + 1)
            initial = [
                e
                for e in self._history
                if e.rv > since
                and e.resource == resource
                and (namespace is None or e.namespace == namespace)
            ]
        if accepts is not None:
            initial = [e for e in initial if accepts(orjson.loads(e.raw))]
        watcher = Watcher(resource, namespace, accepts)
        self._watchers.setdefault(resource, set()).add(watcher)
        return initial, watcher

    def unwatch(self, watcher: Watcher) -> None:
        self._watchers.get(watcher.resource, set()).discard(watcher)

    def _offer(self, watcher: Watcher, event: Event, obj: Obj) -> None:
        if watcher.namespace is not None and watcher.namespace != event.namespace:
            return
        if watcher.accepts is not None and not watcher.accepts(obj):
            return
        try:
            watcher.queue.put_nowait(event)
        except asyncio.QueueFull:
            watcher.overflowed = True
            self.unwatch(watcher)

    def watcher_count(self) -> int:
        return sum(len(w) for w in self._watchers.values())
