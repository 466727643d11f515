"""Workload controllers: Deployment → ReplicaSet → Pods, StatefulSets, PDB status, garbage
collection and namespace deletion.

Owns: the kube-controller-manager behaviour Lookout depends on — replica counts converge,
a changed pod template means a new ReplicaSet (rollout), old ReplicaSets drain as new pods get
Ready, deleting an owner deletes its
dependants, deleting a namespace empties it.
Does not own: scheduling and pod states (``kubelet``). Simplification: rollouts surge the new
ReplicaSet to full size at once and shrink the old ones as new pods become Ready.
"""

from __future__ import annotations

import copy
from collections import deque

from kubesim.config import SimConfig
from kubesim.kinds import (
    BY_RESOURCE,
    DEPLOYMENTS,
    EVENTS,
    NAMESPACES,
    PODS,
    REPLICASETS,
    STATEFULSETS,
    Kind,
    Obj,
)
from kubesim.objects import (
    apply_defaults,
    event,
    owner_ref,
    pod_from_template,
    random_suffix,
    template_hash,
)
from kubesim.pods import delete_pod, is_ready
from kubesim.reconciler import Reconciler
from kubesim.store import Key, Store
from kubesim.timeutil import now_iso

_OWNER_QUEUE = {
    "ReplicaSet": REPLICASETS.resource,
    "StatefulSet": STATEFULSETS.resource,
    "Deployment": DEPLOYMENTS.resource,
}
_REVISION = "deployment.kubernetes.io/revision"


class WorkloadControllers:
    def __init__(self, store: Store, loop: Reconciler, config: SimConfig) -> None:
        self.store, self.loop, self.config = store, loop, config
        self._events: deque[Key] = deque()  # creation order, for dropping the oldest first
        loop.register(DEPLOYMENTS.resource, self.deployment)
        loop.register(REPLICASETS.resource, self.replicaset)
        loop.register(STATEFULSETS.resource, self.statefulset)
        loop.register("gc", self.collect)
        loop.register(NAMESPACES.resource, self.namespace)
        store.listeners.append(self._on_change)

    def _on_change(self, resource: str, etype: str, obj: Obj) -> None:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if resource in (DEPLOYMENTS.resource, REPLICASETS.resource, STATEFULSETS.resource):
            self.loop.mark(resource, key)
        if resource == NAMESPACES.resource and meta.get("deletionTimestamp"):
            self.loop.mark(NAMESPACES.resource, key)
        for ref in meta.get("ownerReferences") or ():
            owner_queue = _OWNER_QUEUE.get(ref["kind"])
            if owner_queue:
                self.loop.mark(owner_queue, (key[0], ref["name"]))
        if etype == "DELETED" and self.store.dependants(meta["uid"]):
            self.loop.mark("gc", ("", meta["uid"]))

    def _owned(self, owner: Obj, resource: str) -> list[Obj]:
        out = []
        for res, (ns, name) in self.store.dependants(owner["metadata"]["uid"]):
            if res == resource and (obj := self.store.get(res, ns, name)) is not None:
                out.append(obj)
        return out

    def _set_status(self, resource: str, obj: Obj, status: Obj) -> None:
        """Write only real changes: an unchanged write would re-trigger this very reconcile."""
        if obj.get("status") != status:
            obj["status"] = status
            self.store.update(resource, obj)

    # -- Deployment ---------------------------------------------------------------------
    def deployment(self, key: Key) -> None:
        d = self.store.get(DEPLOYMENTS.resource, *key)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        spec, desired = d["spec"], d["spec"].get("replicas", 1)
        h = template_hash(spec["template"])
        sets = self._owned(d, REPLICASETS.resource)
        new = next(
            (rs for rs in sets if rs["metadata"]["labels"].get("pod-template-hash") == h), None
        )
        revisions = [int(rs["metadata"].get("annotations", {}).get(_REVISION, 0)) for rs in sets]
        if new is None:
            new = self._new_replicaset(d, h, max(revisions, default=0) + 1)
            sets.append(new)
        old = [rs for rs in sets if rs is not new]
        self._scale_rs(new, desired)
        new_ready = (new.get("status") or {}).get("readyReplicas", 0)
        budget = max(0, desired - new_ready)
        for rs in sorted(old, key=lambda r: -r["spec"].get("replicas", 0)):
            keep = min(rs["spec"].get("replicas", 0), budget)
            budget -= keep
            self._scale_rs(rs, keep)
        self._trim_history(d, old)
        self._deployment_status(d, new, sets, desired)

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
        self.store.create(REPLICASETS.resource, rs)
        if meta.get("annotations", {}).get(_REVISION) != str(revision):
            d["metadata"].setdefault("annotations", {})[_REVISION] = str(revision)
            self.store.update(DEPLOYMENTS.resource, d)
        return rs

    def _scale_rs(self, rs: Obj, replicas: int) -> None:
        if rs["spec"].get("replicas") != replicas:
            rs["spec"]["replicas"] = replicas
            rs["metadata"]["generation"] = rs["metadata"].get("generation", 1) + 1
            self.store.update(REPLICASETS.resource, rs)
            self.emit(
                rs,
                "ScalingReplicaSet",
                f"Scaled replica set {rs['metadata']['name']} to {replicas}",
            )

    def _trim_history(self, d: Obj, old: list[Obj]) -> None:
        limit = d["spec"].get("revisionHistoryLimit", 10)
        idle = [
            rs
            for rs in old
            if rs["spec"].get("replicas", 0) == 0
            and (rs.get("status") or {}).get("replicas", 0) == 0
        ]
        idle.sort(key=lambda r: int(r["metadata"].get("annotations", {}).get(_REVISION, 0)))
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
        self._set_status(DEPLOYMENTS.resource, d, status)

    # -- ReplicaSet / StatefulSet -------------------------------------------------------
    def replicaset(self, key: Key) -> None:
        rs = self.store.get(REPLICASETS.resource, *key)
        if rs is None:
            return
        pods = [
            p for p in self._owned(rs, PODS.resource) if not p["metadata"].get("deletionTimestamp")
        ]
        diff = rs["spec"].get("replicas", 0) - len(pods)
        for _ in range(max(0, diff)):
            self._create_pod(rs, REPLICASETS, f"{rs['metadata']['name']}-{random_suffix()}", {})
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
        self._set_status(
            REPLICASETS.resource, rs, {k: v for k, v in status.items() if v or k == "replicas"}
        )

    def statefulset(self, key: Key) -> None:
        sts = self.store.get(STATEFULSETS.resource, *key)
        if sts is None:
            return
        name = sts["metadata"]["name"]
        pods = {p["metadata"]["name"]: p for p in self._owned(sts, PODS.resource)}
        want = sts["spec"].get("replicas", 1)
        for i in range(want):
            if f"{name}-{i}" not in pods:
                extra = {
                    "statefulset.kubernetes.io/pod-name": f"{name}-{i}",
                    "apps.kubernetes.io/pod-index": str(i),
                }
                self._create_pod(sts, STATEFULSETS, f"{name}-{i}", extra)
        for pod_name, p in pods.items():
            if int(pod_name.rsplit("-", 1)[1]) >= want and not p["metadata"].get(
                "deletionTimestamp"
            ):
                delete_pod(self.store, p, None)
        live = [p for n, p in pods.items() if int(n.rsplit("-", 1)[1]) < want]
        ready = sum(1 for p in live if is_ready(p))
        status = {
            "replicas": len(live),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": len(live),
            "updatedReplicas": len(live),
            "observedGeneration": sts["metadata"].get("generation", 1),
        }
        self._set_status(
            STATEFULSETS.resource, sts, {k: v for k, v in status.items() if v or k == "replicas"}
        )

    def _create_pod(self, owner: Obj, kind: Kind, name: str, extra: Obj) -> None:
        pod = pod_from_template(
            owner["spec"]["template"],
            name=name,
            namespace=owner["metadata"]["namespace"],
            owner=owner,
            owner_kind=kind,
            extra_labels=extra,
        )
        apply_defaults(PODS, pod)
        self.store.create(PODS.resource, pod)

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

    def emit(self, obj: Obj, reason: str, message: str, type_: str = "Normal") -> None:
        ev = self.store.create(
            EVENTS.resource, event(obj, reason=reason, message=message, type_=type_)
        )
        self._events.append((ev["metadata"]["namespace"], ev["metadata"]["name"]))
        while len(self._events) > self.config.max_events:
            old = self._events.popleft()
            if self.store.get(EVENTS.resource, *old) is not None:
                self.store.delete(EVENTS.resource, *old)
