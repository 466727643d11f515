"""The DaemonSet controller: one pod per eligible node, rolling updates, status.

Owns: which nodes should run a daemon pod (node selector, required affinity, taints against the
template's tolerations plus the ones the real controller adds — so daemon pods stay on cordoned
and NotReady nodes); daemon pods pinned to their node by required node affinity on
``metadata.name`` and scheduled by ``kubelet`` like the real scheduler does; a RollingUpdate
with maxUnavailable 1 (replace one stale pod once every node's pod is Ready); status counts.
Does not own: placement predicates (``placement``), pod states (``kubelet``). ControllerRevisions
and surge are not modelled.
"""

from __future__ import annotations

import copy

from kubesim import placement
from kubesim.kinds import DAEMONSETS, NODES, PODS, Obj
from kubesim.objects import random_suffix, template_hash
from kubesim.pods import delete_pod, is_ready
from kubesim.reconciler import Reconciler
from kubesim.store import Key, Store
from kubesim.workloads import REVISION_LABEL, create_pod, owned, write_status

# What the DaemonSet controller adds to every daemon pod (pkg/controller/daemon/util).
DEFAULT_TOLERATIONS: list[Obj] = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": placement.UNSCHEDULABLE_TAINT, "operator": "Exists", "effect": "NoSchedule"},
]


def _tolerations(spec: Obj) -> list[Obj]:
    own = list(spec.get("tolerations") or ())
    return own + [t for t in DEFAULT_TOLERATIONS if t not in own]


def _node_of(pod: Obj) -> str:
    if pod["spec"].get("nodeName"):
        return str(pod["spec"]["nodeName"])
    terms = (
        ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        )
        or {}
    ).get("nodeSelectorTerms") or ()
    for term in terms:
        for f in term.get("matchFields") or ():
            if f["key"] == "metadata.name" and f.get("values"):
                return str(f["values"][0])
    return ""


class DaemonSetController:
    def __init__(self, store: Store, loop: Reconciler) -> None:
        self.store, self.loop = store, loop
        # Per node, what eligibility depends on: heartbeats must not re-reconcile every DaemonSet.
        self._node_views: dict[str, bytes] = {}
        loop.register(DAEMONSETS.resource, self.reconcile)
        store.listeners.append(self._on_change)

    def _on_change(self, resource: str, etype: str, obj: Obj) -> None:
        meta = obj["metadata"]
        if resource == DAEMONSETS.resource:
            self.loop.mark(resource, (meta["namespace"], meta["name"]))
        elif resource == PODS.resource:
            for ref in meta.get("ownerReferences") or ():
                if ref["kind"] == "DaemonSet":
                    self.loop.mark(DAEMONSETS.resource, (meta["namespace"], ref["name"]))
        elif resource == NODES.resource:
            view = (
                b""
                if etype == "DELETED"
                else repr((meta.get("labels"), obj["spec"].get("taints"))).encode()
            )
            if self._node_views.get(meta["name"]) != view:
                self._node_views[meta["name"]] = view
                for key in self.store.keys(DAEMONSETS.resource):
                    self.loop.mark(DAEMONSETS.resource, key)
            if etype == "DELETED":
                del self._node_views[meta["name"]]

    def _eligible(self, spec: Obj) -> tuple[set[str], set[str]]:
        """(nodes that should run a daemon pod, nodes where an existing one may stay)."""
        tolerations = _tolerations(spec)
        run, keep = set(), set()
        for n in self.store.iter_objects(NODES.resource):
            name, labels = n["metadata"]["name"], n["metadata"].get("labels") or {}
            if not placement.affinity_matches(spec, name, labels):
                continue
            taints = n["spec"].get("taints") or []
            if placement.taints_tolerated(taints, tolerations):
                run.add(name)
            if placement.taints_tolerated(taints, tolerations, effects=("NoExecute",)):
                keep.add(name)
        return run, keep

    def reconcile(self, key: Key) -> None:
        ds = self.store.get(DAEMONSETS.resource, *key)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        revision = template_hash(ds["spec"]["template"])
        run, keep = self._eligible(ds["spec"]["template"].get("spec") or {})
        by_node: dict[str, list[Obj]] = {}
        for p in owned(self.store, ds, PODS.resource):
            by_node.setdefault(_node_of(p), []).append(p)
        for node in sorted(run - by_node.keys()):  # a terminating pod holds its node's slot
            self._create(ds, node, revision)
        for node, pods in by_node.items():
            if node not in keep and node not in run:
                for p in pods:
                    if not p["metadata"].get("deletionTimestamp"):
                        delete_pod(self.store, p, None)
        self._roll(ds, run, by_node, revision)
        self._status(ds, run, by_node, revision)

    def _create(self, ds: Obj, node: str, revision: str) -> None:
        template = ds["spec"]["template"]
        spec = copy.deepcopy(template.get("spec") or {})
        affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
            ]
        }
        spec["tolerations"] = _tolerations(spec)
        stamped = {**ds, "spec": {**ds["spec"], "template": {**template, "spec": spec}}}
        extra = {
            REVISION_LABEL: revision,
            "pod-template-generation": str(ds["metadata"].get("generation", 1)),
        }
        name = f"{ds['metadata']['name']}-{random_suffix()}"
        create_pod(self.store, stamped, DAEMONSETS, name=name, extra_labels=extra)

    def _roll(self, ds: Obj, run: set[str], by_node: dict[str, list[Obj]], revision: str) -> None:
        strategy = (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy != "RollingUpdate":
            return
        pods = [p for node in run for p in by_node.get(node, ())]
        if len(pods) != len(run) or not all(
            is_ready(p) and not p["metadata"].get("deletionTimestamp") for p in pods
        ):
            return  # maxUnavailable 1: wait until the previous replacement is Ready
        stale = [p for p in pods if p["metadata"]["labels"].get(REVISION_LABEL) != revision]
        if stale:
            delete_pod(self.store, min(stale, key=lambda p: p["metadata"]["name"]), None)

    def _status(self, ds: Obj, run: set[str], by_node: dict[str, list[Obj]], revision: str) -> None:
        live = [
            p
            for pods in by_node.values()
            for p in pods
            if not p["metadata"].get("deletionTimestamp")
        ]
        ready = sum(1 for p in live if is_ready(p))
        status: Obj = {
            "observedGeneration": ds["metadata"].get("generation", 1),
            "desiredNumberScheduled": len(run),
            "currentNumberScheduled": len({_node_of(p) for p in live} & run),
            "numberMisscheduled": len({_node_of(p) for p in live} - run),
            "numberReady": ready,
            "numberAvailable": ready,
            "updatedNumberScheduled": sum(
                1 for p in live if p["metadata"]["labels"].get(REVISION_LABEL) == revision
            ),
        }
        if len(run) > ready:
            status["numberUnavailable"] = len(run) - ready
        for field in ("numberAvailable", "updatedNumberScheduled"):
            if not status[field]:
                del status[field]  # omitempty, as the real API serializes them
        write_status(self.store, DAEMONSETS.resource, ds, status)
