"""What every workload controller shares: the objects an owner controls, status writes that
skip no-ops, pods stamped from an owner's template, and the bounded Event recorder.

Owns: those four helpers, so ``controllers`` (Deployments, ReplicaSets), ``statefulsets`` and
``daemonsets`` each keep only their own reconcile logic.
Does not own: when any of them runs (``reconciler``) or pod lifecycles (``kubelet``).
"""

from __future__ import annotations

from collections import deque

from kubesim.kinds import EVENTS, PODS, Obj
from kubesim.objects import apply_defaults, event, pod_from_template
from kubesim.store import Key, Store
from kubesim.timeutil import now_iso
from shared.kinds import Kind

# The label the StatefulSet and DaemonSet controllers stamp on pods with the revision
# (template hash) they were created from; a rollout replaces pods whose value is stale.
REVISION_LABEL = "controller-revision-hash"


def owned(store: Store, owner: Obj, resource: str) -> list[Obj]:
    out = []
    for res, (ns, name) in store.dependants(owner["metadata"]["uid"]):
        if res == resource and (obj := store.get(res, ns, name)) is not None:
            out.append(obj)
    return out


def live_pods(store: Store, owner: Obj) -> list[Obj]:
    return [
        p for p in owned(store, owner, PODS.resource) if not p["metadata"].get("deletionTimestamp")
    ]


def write_status(store: Store, resource: str, obj: Obj, status: Obj) -> None:
    """Write only real changes: an unchanged write would re-trigger the very reconcile."""
    if obj.get("status") != status:
        obj["status"] = status
        store.update(resource, obj)


def create_pod(store: Store, owner: Obj, kind: Kind, *, name: str, extra_labels: Obj) -> Obj:
    pod = pod_from_template(
        owner["spec"]["template"],
        name=name,
        namespace=owner["metadata"]["namespace"],
        owner=owner,
        owner_kind=kind,
        extra_labels=extra_labels,
    )
    apply_defaults(PODS, pod)
    return store.create(PODS.resource, pod)


class EventRecorder:
    """Core Events as controllers record them, the oldest dropped past ``limit`` (the real
    API server expires them after an hour; a simulator running for days needs a bound)."""

    def __init__(self, store: Store, limit: int) -> None:
        self.store, self.limit = store, limit
        self._events: deque[Key] = deque()  # creation order, for dropping the oldest first

    def emit(self, obj: Obj, reason: str, message: str, type_: str = "Normal") -> None:
        ev = self.store.create(
            EVENTS.resource, event(obj, reason=reason, message=message, type_=type_)
        )
        self._events.append((ev["metadata"]["namespace"], ev["metadata"]["name"]))
        while len(self._events) > self.limit:
            old = self._events.popleft()
            if self.store.get(EVENTS.resource, *old) is not None:
                self.store.delete(EVENTS.resource, *old)

    def repeat(self, obj: Obj, reason: str, message: str, type_: str = "Warning") -> None:
        """The same event again: the kubelet's aggregation (one Event per object and reason,
        ``count`` + 1 and a new ``lastTimestamp``), not one object per occurrence."""
        meta = obj["metadata"]
        key = (meta.get("namespace") or "default", f"{meta['name']}.{reason.lower()}")
        ev = self.store.get(EVENTS.resource, *key)
        if ev is None:
            body = event(obj, reason=reason, message=message, type_=type_)
            body["metadata"]["name"] = key[1]
            self.store.create(EVENTS.resource, body)
            self._events.append(key)
            return
        ev["count"] = int(ev.get("count") or 1) + 1
        ev["message"], ev["lastTimestamp"] = message, now_iso()
        self.store.update(EVENTS.resource, ev)
