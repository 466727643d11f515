"""The StatefulSet controller: stable pod names, scaling by ordinal, rolling updates.

Owns: pods ``<name>-<ordinal>`` with the ``statefulset.kubernetes.io/pod-name``,
``apps.kubernetes.io/pod-index`` and ``controller-revision-hash`` labels; scale-down from the
highest ordinal; a RollingUpdate that replaces, one at a time from the highest ordinal and only
while every other pod is Ready, each pod whose revision is stale (what ``kubectl rollout
restart`` and ``set image`` rely on); ``currentRevision``/``updateRevision`` in status.
Does not own: ControllerRevision objects (not modelled: the revision is the template hash),
partitions, or OrderedReady start-up (all missing pods are created at once).
"""

from __future__ import annotations

from kubesim.kinds import PODS, STATEFULSETS, Obj
from kubesim.objects import template_hash
from kubesim.pods import delete_pod, is_ready
from kubesim.reconciler import Reconciler
from kubesim.store import Key, Store
from kubesim.workloads import REVISION_LABEL, create_pod, owned, write_status


def _ordinal(pod_name: str) -> int:
    return int(pod_name.rsplit("-", 1)[1])


class StatefulSetController:
    def __init__(self, store: Store, loop: Reconciler) -> None:
        self.store, self.loop = store, loop
        loop.register(STATEFULSETS.resource, self.reconcile)
        store.listeners.append(self._on_change)

    def _on_change(self, resource: str, etype: str, obj: Obj) -> None:
        meta = obj["metadata"]
        if resource == STATEFULSETS.resource:
            self.loop.mark(resource, (meta["namespace"], meta["name"]))
        elif resource == PODS.resource:
            for ref in meta.get("ownerReferences") or ():
                if ref["kind"] == "StatefulSet":
                    self.loop.mark(STATEFULSETS.resource, (meta["namespace"], ref["name"]))

    def reconcile(self, key: Key) -> None:
        sts = self.store.get(STATEFULSETS.resource, *key)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        name = sts["metadata"]["name"]
        revision = f"{name}-{template_hash(sts['spec']['template'])}"
        pods = {p["metadata"]["name"]: p for p in owned(self.store, sts, PODS.resource)}
        want = sts["spec"].get("replicas", 1)
        for i in range(want):
            if f"{name}-{i}" not in pods:  # a terminating one keeps its name until it is gone
                extra = {
                    "statefulset.kubernetes.io/pod-name": f"{name}-{i}",
                    "apps.kubernetes.io/pod-index": str(i),
                    REVISION_LABEL: revision,
                }
                create_pod(self.store, sts, STATEFULSETS, name=f"{name}-{i}", extra_labels=extra)
        for pod_name, p in pods.items():
            if _ordinal(pod_name) >= want and not p["metadata"].get("deletionTimestamp"):
                delete_pod(self.store, p, None)
        live = [p for n, p in pods.items() if _ordinal(n) < want]
        self._roll(sts, live, want, revision)
        self._status(sts, live, want, revision)

    def _roll(self, sts: Obj, live: list[Obj], want: int, revision: str) -> None:
        strategy = (sts["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        settled = len(live) == want and all(
            is_ready(p) and not p["metadata"].get("deletionTimestamp") for p in live
        )
        if strategy != "RollingUpdate" or not settled:
            return
        stale = [p for p in live if p["metadata"]["labels"].get(REVISION_LABEL) != revision]
        if stale:
            victim = max(stale, key=lambda p: _ordinal(p["metadata"]["name"]))
            delete_pod(self.store, victim, None)

    def _status(self, sts: Obj, live: list[Obj], want: int, revision: str) -> None:
        old = sts.get("status") or {}
        updated = [p for p in live if p["metadata"]["labels"].get(REVISION_LABEL) == revision]
        current_revision = old.get("currentRevision") or revision
        if len(updated) == want:
            current_revision = revision  # the rollout is complete
        current = sum(
            1 for p in live if p["metadata"]["labels"].get(REVISION_LABEL) == current_revision
        )
        ready = sum(1 for p in live if is_ready(p))
        status: Obj = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(live),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": len(updated),
            "currentRevision": current_revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }
        status = {k: v for k, v in status.items() if v or k in ("replicas", "collisionCount")}
        write_status(self.store, STATEFULSETS.resource, sts, status)
