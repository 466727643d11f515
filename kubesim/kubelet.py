"""Scheduler, kubelets and node heartbeats — what kube-scheduler and kwok do for the real
control plane in tests.

Owns: binding Pending pods to Ready nodes that fit (``placement``: cordon, taints, node
selectors and required affinity honoured; least-loaded node wins); pod start (Running/Ready,
or the fault state selected by the ``lookout.test/fault`` label: crash loop, OOMKilled, image
pull back-off); finishing graceful deletions; initialising Nodes created through the API;
node leases and status heartbeats; a node whose ``lookout.test/heartbeat`` label is
``stopped`` turns NotReady (Ready=Unknown, unreachable taints, its pods not Ready) and
recovers when the label goes.
Does not own: replica counts (``controllers``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kubesim import placement, pods
from kubesim.config import SimConfig
from kubesim.kinds import FAULT_LABEL, HEARTBEAT_LABEL, LEASES, NODES, PODS, Obj
from kubesim.objects import lease, node_conditions
from kubesim.objects import node as node_body
from kubesim.reconciler import Reconciler
from kubesim.store import Key, Store
from kubesim.timeutil import micro_iso, now_iso
from kubesim.workloads import EventRecorder

_UNREACHABLE = "node.kubernetes.io/unreachable"


@dataclass(frozen=True, slots=True)
class _NodeView:
    name: str
    ready: bool
    cordoned: bool
    labels: dict[str, str]
    taints: list[Obj]

    @property
    def schedulable(self) -> bool:
        return self.ready and not self.cordoned


class Kubelets:
    def __init__(
        self, store: Store, loop: Reconciler, config: SimConfig, events: EventRecorder
    ) -> None:
        self.store, self.loop, self.config, self.events = store, loop, config, events
        self.node_pods: dict[str, set[Key]] = {}
        self._starting: set[Key] = set()
        self._unschedulable: set[Key] = set()
        self._unbound: set[Key] = set()  # pods not yet bound to a node
        # What the scheduler needs from each node, kept from change notifications so binding a
        # pod never re-reads all nodes (5,000 pods x 100 nodes during seeding).
        self._nodes: dict[str, _NodeView] = {}
        self._ips = 0
        self._rr = 0
        loop.register("pod-lifecycle", self.pod)
        loop.register("node", self.node)
        loop.register("schedule-retry", self._retry_unschedulable)
        store.listeners.append(self._on_change)

    def _on_change(self, resource: str, etype: str, obj: Obj) -> None:
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if resource == PODS.resource:
            node = obj["spec"].get("nodeName")
            if etype == "DELETED":
                self._starting.discard(key)
                self._unschedulable.discard(key)
                self._unbound.discard(key)
                if node:
                    self.node_pods.get(node, set()).discard(key)
                    self.loop.mark("schedule-retry", ("", ""))
                return
            if node:
                self.node_pods.setdefault(node, set()).add(key)
                self._unbound.discard(key)
            else:
                self._unbound.add(key)
            self.loop.mark("pod-lifecycle", key)
        elif resource == NODES.resource:
            self._nodes.pop(meta["name"], None)
            if etype != "DELETED":
                self._nodes[meta["name"]] = _NodeView(
                    meta["name"],
                    _ready(obj),
                    bool(obj["spec"].get("unschedulable")),
                    dict(meta.get("labels") or {}),
                    [dict(t) for t in obj["spec"].get("taints") or ()],
                )
            if etype == "ADDED":
                self.node_pods.setdefault(meta["name"], set())
                self._start_heartbeats(meta["name"])
            elif etype == "DELETED":
                self.node_pods.pop(meta["name"], None)
                return
            self.loop.mark("node", key)
            self.loop.mark("schedule-retry", ("", ""))

    def busy(self) -> bool:
        """Pods still waiting to be bound or started (the unschedulable ones do not count)."""
        return bool(self._starting) or bool(self._unbound - self._unschedulable)

    # -- pods -----------------------------------------------------------------------------
    def pod(self, key: Key) -> None:
        p = self.store.get(PODS.resource, *key)
        if p is None:
            return
        if p["metadata"].get("deletionTimestamp"):
            uid = p["metadata"]["uid"]
            grace = min(
                float(p["metadata"].get("deletionGracePeriodSeconds") or 0),
                self.config.delete_delay,
            )
            self.loop.after(grace, lambda: self._remove(key, uid))
        elif not p["spec"].get("nodeName"):
            self._schedule(key, p)
        elif (
            p["status"].get("phase") == "Pending"
            and key not in self._starting
            and not p["status"].get("containerStatuses")
        ):
            self._starting.add(key)
            uid = p["metadata"]["uid"]
            self.loop.after(self.config.start_delay, lambda: self._start(key, uid))

    def _remove(self, key: Key, uid: str) -> None:
        p = self.store.get(PODS.resource, *key)
        if p is not None and p["metadata"]["uid"] == uid:
            self.store.delete(PODS.resource, *key)

    def _fresh(self, key: Key, uid: str) -> Obj | None:
        p = self.store.get(PODS.resource, *key)
        if p is None or p["metadata"]["uid"] != uid or p["metadata"].get("deletionTimestamp"):
            return None
        return p

    def _pod_ip(self) -> str:
        # Documentation-only range: never routable, and nothing in Lookout dials pod IPs.
        self._ips += 1
        return f"10.{(self._ips >> 16) & 255}.{(self._ips >> 8) & 255}.{self._ips & 255}"

    def _start(self, key: Key, uid: str) -> None:
        self._starting.discard(key)
        p = self._fresh(key, uid)
        if p is None:
            return
        fault = (p["metadata"].get("labels") or {}).get(FAULT_LABEL, "")
        ip = self._pod_ip()
        if fault == "imagepull":
            p["status"] = pods.pulling(p, host_ip="127.0.0.1", pod_ip=ip, backoff=False)
            self.loop.after(self.config.crash_interval / 2, lambda: self._fault_tick(key, uid))
        elif fault in ("crashloop", "oomkilled"):
            p["status"] = pods.running(p, host_ip="127.0.0.1", pod_ip=ip, ready=False)
            self.loop.after(self.config.crash_interval / 2, lambda: self._fault_tick(key, uid))
        else:
            p["status"] = pods.running(p, host_ip="127.0.0.1", pod_ip=ip, ready=self._node_ready(p))
        self.store.update(PODS.resource, p)

    def _fault_tick(self, key: Key, uid: str) -> None:
        p = self._fresh(key, uid)
        if p is None:
            return
        fault = (p["metadata"].get("labels") or {}).get(FAULT_LABEL, "")
        ip = p["status"].get("podIP", "")
        if fault == "imagepull":
            waiting = p["status"]["containerStatuses"][0]["state"].get("waiting", {})
            p["status"] = pods.pulling(
                p, host_ip="127.0.0.1", pod_ip=ip, backoff=waiting.get("reason") == "ErrImagePull"
            )
        elif fault in ("crashloop", "oomkilled"):
            p["status"] = pods.crashing(p, host_ip="127.0.0.1", pod_ip=ip, oom=fault == "oomkilled")
        else:
            return
        self.store.update(PODS.resource, p)
        self._record_backoff(p, fault)
        self.loop.after(self.config.crash_interval, lambda: self._fault_tick(key, uid))

    def _record_backoff(self, p: Obj, fault: str) -> None:
        """The Warning the kubelet records on each back-off, in its words (aggregated)."""
        container = p["spec"]["containers"][0]
        if fault == "imagepull":
            message = f'Back-off pulling image "{container.get("image", "")}"'
        else:
            message = (
                f"Back-off restarting failed container {container['name']} in pod "
                f"{p['metadata']['name']}_{p['metadata'].get('namespace', 'default')}"
                f"({p['metadata'].get('uid', '')})"
            )
        self.events.repeat(p, "BackOff", message)

    # -- scheduling -----------------------------------------------------------------------
    @staticmethod
    def _fits(node: _NodeView, pod: Obj) -> bool:
        # Pods that tolerate it (DaemonSet pods) may land on a cordoned node, as with the real
        # scheduler's NodeUnschedulable filter; a NotReady node takes nothing new.
        return node.ready and placement.fits(
            pod["spec"],
            name=node.name,
            labels=node.labels,
            taints=node.taints,
            cordoned=node.cordoned,
        )

    def _schedule(self, key: Key, p: Obj) -> None:
        spec = p["spec"]
        if spec.get("nodeSelector") or spec.get("tolerations") or spec.get("affinity"):
            candidates = [n for n in self._nodes.values() if self._fits(n, p)]
        else:  # the common case, kept cheap: Ready, uncordoned, untainted nodes
            candidates = [n for n in self._nodes.values() if n.schedulable and not n.taints]
        if not candidates:
            if key not in self._unschedulable:
                self._unschedulable.add(key)
                p["status"]["conditions"] = [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "lastProbeTime": None,
                        "lastTransitionTime": now_iso(),
                        "message": f"0/{len(self._nodes)} nodes are available: "
                        "no schedulable node.",
                    }
                ]
                self.store.update(PODS.resource, p)
            return
        # Round robin over equal, empty-ish fake nodes spreads like the real scheduler's
        # least-allocated scoring does here, at O(1) per pod.
        best = candidates[self._rr % len(candidates)]
        self._rr += 1
        self._unschedulable.discard(key)
        p["spec"]["nodeName"] = best.name
        p["status"]["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": now_iso(),
            }
        ]
        self.store.update(PODS.resource, p)

    def _retry_unschedulable(self, _: Key) -> None:
        for key in list(self._unschedulable):
            self.loop.mark("pod-lifecycle", key)

    # -- nodes ----------------------------------------------------------------------------
    def _node_ready(self, p: Obj) -> bool:
        node = self.store.get(NODES.resource, "", p["spec"].get("nodeName", ""))
        return node is not None and _ready(node)

    def node(self, key: Key) -> None:
        n = self.store.get(NODES.resource, *key)
        if n is None:
            return
        if "nodeInfo" not in n["status"]:
            # A Node created through the API: fill in what kwok's node-initialize stage (a real
            # kubelet) reports — addresses, nodeInfo, Ready — keeping the declared capacity.
            given = {k: v for k, v in n["status"].items() if k in ("capacity", "allocatable")}
            n["status"] = {**node_body(key[1])["status"], **given}
            self.store.update(NODES.resource, n)
            return
        stopped = (n["metadata"].get("labels") or {}).get(HEARTBEAT_LABEL) == "stopped"
        if stopped == (not _ready(n)):
            return
        n["status"]["conditions"] = node_conditions(ready=None if stopped else True)
        taints = [t for t in n["spec"].get("taints") or () if t["key"] != _UNREACHABLE]
        if stopped:  # what the node lifecycle controller adds when heartbeats stop
            taints += [
                {"key": _UNREACHABLE, "effect": "NoSchedule"},
                {"key": _UNREACHABLE, "effect": "NoExecute", "timeAdded": now_iso()},
            ]
        if taints:
            n["spec"]["taints"] = taints
        else:
            n["spec"].pop("taints", None)
        self.store.update(NODES.resource, n)
        for pkey in list(self.node_pods.get(key[1], ())):
            p = self.store.get(PODS.resource, *pkey)
            if p is None or p["status"].get("phase") != "Running":
                continue
            if (p["metadata"].get("labels") or {}).get(FAULT_LABEL):
                continue  # a crash-looping pod stays not Ready either way
            p["status"] = pods.set_ready(p["status"], not stopped)
            self.store.update(PODS.resource, p)

    def _start_heartbeats(self, name: str) -> None:
        # Jittered first beat so 100 nodes do not all write in the same tick.
        self.loop.after(
            random.uniform(0, self.config.lease_interval), lambda: self._renew_lease(name)
        )
        self.loop.after(
            random.uniform(0, self.config.node_status_interval), lambda: self._node_status(name)
        )

    def _renew_lease(self, name: str) -> None:
        n = self.store.get(NODES.resource, "", name)
        if n is None:
            return
        self.loop.after(self.config.lease_interval, lambda: self._renew_lease(name))
        if (n["metadata"].get("labels") or {}).get(HEARTBEAT_LABEL) == "stopped":
            return
        current = self.store.get(LEASES.resource, "kube-node-lease", name)
        if current is None:
            self.store.create(LEASES.resource, lease(name, n["metadata"]["uid"]))
        else:
            current["spec"]["renewTime"] = micro_iso()
            self.store.update(LEASES.resource, current)

    def _node_status(self, name: str) -> None:
        n = self.store.get(NODES.resource, "", name)
        if n is None:
            return
        self.loop.after(self.config.node_status_interval, lambda: self._node_status(name))
        if not _ready(n):
            return
        now = now_iso()
        for cond in n["status"].get("conditions") or ():
            cond["lastHeartbeatTime"] = now
        self.store.update(NODES.resource, n)


def _ready(node: Obj) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in node["status"].get("conditions") or ()
    )
