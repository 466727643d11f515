"""Workload controllers: Deployment → ReplicaSet → Pods, garbage collection and namespace
deletion.

Owns: the kube-controller-manager behaviour Lookout depends on — replica counts converge,
a changed pod template means a new ReplicaSet (rollout) with the next
``deployment.kubernetes.io/revision``, a template restored from an older ReplicaSet (rollback)
reuses that ReplicaSet and moves it to the newest revision, old ReplicaSets drain as new pods
get Ready (a ``ScalingReplicaSet`` Event on the Deployment for each step), deleting an owner
deletes its dependants, deleting a namespace empties it.
Does not own: StatefulSets (``statefulsets``), DaemonSets (``daemonsets``), scheduling and pod
states (``kubelet``). Simplification: rollouts surge the new ReplicaSet to full size at once and
shrink the old ones as new pods become Ready.
"""

from __future__ import annotations

import copy

from kubesim.kinds import (
    BY_RESOURCE,
    DEPLOYMENTS,
    NAMESPACES,
    PODS,
    REPLICASETS,
    Obj,
)
from kubesim.objects import owner_ref, random_suffix, template_hash
from kubesim.pods import delete_pod, is_ready
from kubesim.reconciler import Reconciler
from kubesim.store import Key, Store
from kubesim.timeutil import now_iso
from kubesim.workloads import EventRecorder, create_pod, live_pods, owned, write_status

_OWNER_QUEUE = {
    "ReplicaSet": REPLICASETS.resource,
    "Deployment": DEPLOYMENTS.resource,
}
_REVISION = "deployment.kubernetes.io/revision"
_REVISION_HISTORY = "deployment.kubernetes.io/revision-history"


def _revision(obj: Obj) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(_REVISION, 0))
    except ValueError:
        return 0


class WorkloadControllers:
    def __init__(self, store: Store, loop: Reconciler, events: EventRecorder) -> None:
        self.store, self.loop, self.events = store, loop, events
        loop.register(DEPLOYMENTS.resource, self.deployment)
        loop.register(REPLICASETS.resource, self.replicaset)
        loop.register("gc", self.collect)
        loop.register(NAMESPACES.resource, self.namespace)
        store.listeners.append(self._on_change)

    def _on_change(self, resource: str, etype: str, obj: Obj) -> None:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if resource in (DEPLOYMENTS.resource, REPLICASETS.resource):
            self.loop.mark(resource, key)
        if resource == NAMESPACES.resource and meta.get("deletionTimestamp"):
            self.loop.mark(NAMESPACES.resource, key)
        for ref in meta.get("ownerReferences") or ():
            owner_queue = _OWNER_QUEUE.get(ref["kind"])
            if owner_queue:
                self.loop.mark(owner_queue, (key[0], ref["name"]))
        if etype == "DELETED" and self.store.dependants(meta["uid"]):
            self.loop.mark("gc", ("", meta["uid"]))

    # -- Deployment ---------------------------------------------------------------------
    def deployment(self, key: Key) -> None:
        d = self.store.get(DEPLOYMENTS.resource, *key)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        spec, desired = d["spec"], d["spec"].get("replicas", 1)
        h = template_hash(spec["template"])
        sets = owned(self.store, d, REPLICASETS.resource)
        new = next(
            (rs for rs in sets if rs["metadata"]["labels"].get("pod-template-hash") == h), None
        )
        old = [rs for rs in sets if rs is not new]
        newest_old = max((_revision(rs) for rs in old), default=0)
        if new is None:
            new = self._new_replicaset(d, h, newest_old + 1)
        elif _revision(new) <= newest_old:
            self._promote(new, newest_old + 1)  # a rollback: the old template is newest again
        if d["metadata"].get("annotations", {}).get(_REVISION) != str(_revision(new)):
            d["metadata"].setdefault("annotations", {})[_REVISION] = str(_revision(new))
            self.store.update(DEPLOYMENTS.resource, d)
        self._scale_rs(d, new, desired)
        new_ready = (new.get("status") or {}).get("readyReplicas", 0)
        budget = max(0, desired - new_ready)
        for rs in sorted(old, key=lambda r: -r["spec"].get("replicas", 0)):
            keep = min(rs["spec"].get("replicas", 0), budget)
            budget -= keep
            self._scale_rs(d, rs, keep)
        self._trim_history(d, old)
        self._deployment_status(d, new, [new, *old], desired)

    def _new_replicaset(self, d: Obj, h: str, revision: int) -> Obj:
        meta = d["metadata"]
        template = copy.deepcopy(d["spec"]["template"])
        template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = h
        selector = copy.deepcopy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})["pod-template-hash"] = h
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{h}",
                "namespace": meta["namespace"],
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {_REVISION: str(revision)},
                "ownerReferences": [owner_ref(d, DEPLOYMENTS)],
                "generation": 1,
            },
            "spec": {"replicas": 0, "selector": selector, "template": template},
            "status": {"replicas": 0},
        }
        return self.store.create(REPLICASETS.resource, rs)

    def _promote(self, rs: Obj, revision: int) -> None:
        annotations = rs["metadata"].setdefault("annotations", {})
        history = [h for h in annotations.get(_REVISION_HISTORY, "").split(",") if h]
        annotations[_REVISION_HISTORY] = ",".join([*history, str(_revision(rs))])
        annotations[_REVISION] = str(revision)
        self.store.update(REPLICASETS.resource, rs)

    def _scale_rs(self, d: Obj, rs: Obj, replicas: int) -> None:
        before = rs["spec"].get("replicas", 0)
        if before != replicas:
            rs["spec"]["replicas"] = replicas
            rs["metadata"]["generation"] = rs["metadata"].get("generation", 1) + 1
            self.store.update(REPLICASETS.resource, rs)
            # The deployment controller records each step on the Deployment (``kubectl
            # describe deployment`` shows them), in its own words.
            self.events.emit(
                d,
                "ScalingReplicaSet",
                f"Scaled {'up' if replicas > before else 'down'} replica set "
                f"{rs['metadata']['name']} from {before} to {replicas}",
            )

    def _trim_history(self, d: Obj, old: list[Obj]) -> None:
        limit = d["spec"].get("revisionHistoryLimit", 10)
        idle = [
            rs
            for rs in old
            if rs["spec"].get("replicas", 0) == 0
            and (rs.get("status") or {}).get("replicas", 0) == 0
        ]
        idle.sort(key=_revision)
        for rs in idle[: max(0, len(idle) - limit)]:
            self.store.delete(
                REPLICASETS.resource, rs["metadata"]["namespace"], rs["metadata"]["name"]
            )

    def _deployment_status(self, d: Obj, new: Obj, sets: list[Obj], desired: int) -> None:
        st = [rs.get("status") or {} for rs in sets]
        ready = sum(s.get("readyReplicas", 0) for s in st)
        available = sum(s.get("availableReplicas", 0) for s in st)
        updated = (new.get("status") or {}).get("replicas", 0)
        new_ready = (new.get("status") or {}).get("readyReplicas", 0)
        old_status = d.get("status") or {}
        conds = {c["type"]: c for c in old_status.get("conditions") or ()}

        def cond(type_: str, ok: bool, reason: str, message: str) -> Obj:
            c = conds.get(type_) or {}
            value = "True" if ok else "False"
            if c.get("status") == value and c.get("reason") == reason:
                return c
            return {
                "type": type_,
                "status": value,
                "reason": reason,
                "message": message,
                "lastUpdateTime": now_iso(),
                "lastTransitionTime": now_iso(),
            }

        status: Obj = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": sum(s.get("replicas", 0) for s in st),
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": [
                cond(
                    "Available",
                    available >= desired,
                    "MinimumReplicasAvailable"
                    if available >= desired
                    else "MinimumReplicasUnavailable",
                    "Deployment has minimum availability.",
                ),
                cond(
                    "Progressing",
                    True,
                    "NewReplicaSetAvailable" if new_ready >= desired else "ReplicaSetUpdated",
                    f'ReplicaSet "{new["metadata"]["name"]}" is progressing.',
                ),
            ],
        }
        if desired - available > 0:
            status["unavailableReplicas"] = desired - available
        for field in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
            if status[field] == 0:
                del status[field]  # omitempty, as the real API serializes it
        write_status(self.store, DEPLOYMENTS.resource, d, status)

    # -- ReplicaSet ---------------------------------------------------------------------
    def replicaset(self, key: Key) -> None:
        rs = self.store.get(REPLICASETS.resource, *key)
        if rs is None:
            return
        pods = live_pods(self.store, rs)
        diff = rs["spec"].get("replicas", 0) - len(pods)
        for _ in range(max(0, diff)):
            name = f"{rs['metadata']['name']}-{random_suffix()}"
            create_pod(self.store, rs, REPLICASETS, name=name, extra_labels={})
        if diff < 0:
            # Delete the least useful first: unscheduled, then not ready, then the youngest.
            pods.sort(
                key=lambda p: (
                    bool(p["spec"].get("nodeName")),
                    is_ready(p),
                    p["metadata"]["creationTimestamp"],
                )
            )
            for p in pods[:-diff]:
                delete_pod(self.store, p, None)
            pods = pods[-diff:]
        ready = sum(1 for p in pods if is_ready(p))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        write_status(
            self.store,
            REPLICASETS.resource,
            rs,
            {k: v for k, v in status.items() if v or k == "replicas"},
        )

    # -- garbage collection and namespaces -------------------------------------------------
    def collect(self, key: Key) -> None:
        for resource, (ns, name) in self.store.dependants(key[1]):
            obj = self.store.get(resource, ns, name)
            if obj is None:
                continue
            if resource == PODS.resource:
                delete_pod(self.store, obj, None)
            else:
                self.store.delete(resource, ns, name)

    def namespace(self, key: Key) -> None:
        name = key[1]
        pods_left = False
        for kind in BY_RESOURCE.values():
            if not kind.namespaced:
                continue
            for obj in list(self.store.iter_objects(kind.resource, name)):
                if kind.resource != PODS.resource:
                    self.store.delete(kind.resource, name, obj["metadata"]["name"])
                    continue
                pods_left = True
                if not obj["metadata"].get("deletionTimestamp"):
                    delete_pod(self.store, obj, None)
        if not pods_left:
            if self.store.get(NAMESPACES.resource, "", name) is not None:
                self.store.delete(NAMESPACES.resource, "", name)
        else:  # pods terminate gracefully (the kubelet removes them); look again shortly
            self.loop.after(0.2, lambda: self.loop.mark(NAMESPACES.resource, key))
