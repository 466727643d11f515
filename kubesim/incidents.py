"""Scripted incidents and background churn — the "something is always happening" part.

Owns: the demo namespace's broken workloads (a crash-looping Deployment, an OOMKilled one, a
StatefulSet, a PDB-guarded one), a repeating timeline (image typo → ImagePullBackOff and its
fix, a node going NotReady and coming back, a rollout) and churn: N pod status changes per
second (restarts and readiness blips) on random Running pods.
Does not own: how those states look (``pods``) or propagate (``kubelet``, ``controllers``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Callable

from kubesim import pods
from kubesim.config import SimConfig
from kubesim.kinds import (
    DEPLOYMENTS,
    FAULT_LABEL,
    HEARTBEAT_LABEL,
    NODES,
    PDBS,
    PODS,
    STATEFULSETS,
    Obj,
)
from kubesim.objects import apply_defaults, workload
from kubesim.reconciler import Reconciler
from kubesim.store import Key, Store
from kubesim.timeutil import now_iso
from kubesim.usage import LEAK

log = logging.getLogger(__name__)

DEMO_NS = "lookout-demo"
PERIOD = 120.0  # seconds; the timeline repeats so a long demo keeps showing incidents


def seed_demo(store: Store) -> None:
    def deploy(
        name: str,
        *,
        replicas: int,
        image: str,
        fault: str = "",
        change: Callable[[Obj], None] | None = None,
    ) -> None:
        body = workload(
            name,
            DEMO_NS,
            replicas=replicas,
            image=image,
            labels={FAULT_LABEL: fault} if fault else None,
        )
        if change is not None:
            change(body)
        apply_defaults(DEPLOYMENTS, body)
        store.create(DEPLOYMENTS.resource, body)

    deploy("checkout", replicas=3, image="registry.local/checkout:2.4.1", fault="crashloop")
    deploy("cache", replicas=2, image="registry.local/redis:7.4", fault="oomkilled")
    deploy("frontend", replicas=3, image="registry.local/nginx:1.27")
    deploy("web", replicas=4, image="registry.local/web:5.0.3")
    # A memory leak heading for its 128 MiB limit (kubesim.usage grows it 4 MiB/min from the
    # pod's start): the master's anomaly service predicts the OOM, remediation offers a raise.
    leak = _resources(requests="64Mi", limit="128Mi")
    deploy("reports", replicas=1, image="registry.local/reports:1.8.0", fault=LEAK, change=leak)
    sts = workload("db", DEMO_NS, replicas=2, image="registry.local/postgres:17")
    apply_defaults(STATEFULSETS, sts)
    store.create(STATEFULSETS.resource, sts)
    pdb: Obj = {
        "metadata": {"name": "web", "namespace": DEMO_NS},
        "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "web"}}},
    }
    apply_defaults(PDBS, pdb)
    store.create(PDBS.resource, pdb)


def _patch_deployment(store: Store, name: str, change: Callable[[Obj], None]) -> None:
    d = store.get(DEPLOYMENTS.resource, DEMO_NS, name)
    if d is None:
        return
    change(d)
    d["metadata"]["generation"] = d["metadata"].get("generation", 1) + 1
    store.update(DEPLOYMENTS.resource, d)


def _resources(*, requests: str, limit: str) -> Callable[[Obj], None]:
    def change(d: Obj) -> None:
        c = d["spec"]["template"]["spec"]["containers"][0]
        c["resources"] = {"requests": {"cpu": "10m", "memory": requests},
                          "limits": {"memory": limit}}  # fmt: skip

    return change


def _set_image(image: str, fault: str) -> Callable[[Obj], None]:
    def change(d: Obj) -> None:
        tpl = d["spec"]["template"]
        tpl["spec"]["containers"][0]["image"] = image
        labels = tpl["metadata"].setdefault("labels", {})
        if fault:
            labels[FAULT_LABEL] = fault
        else:
            labels.pop(FAULT_LABEL, None)

    return change


def _restart(d: Obj) -> None:
    annotations = d["spec"]["template"]["metadata"].setdefault("annotations", {})
    annotations["kubectl.kubernetes.io/restartedAt"] = now_iso()


def _node_heartbeat(store: Store, *, stopped: bool) -> None:
    names = sorted(k[1] for k in store.keys(NODES.resource))
    if not names:
        return
    n = store.must_get(NODES.resource, "", names[min(1, len(names) - 1)])
    labels = n["metadata"].setdefault("labels", {})
    if stopped:
        labels[HEARTBEAT_LABEL] = "stopped"
    else:
        labels.pop(HEARTBEAT_LABEL, None)
    store.update(NODES.resource, n)


def timeline(store: Store) -> list[tuple[float, str, Callable[[], None]]]:
    typo = _set_image("registry.local/ngnix:1.27", "imagepull")
    fixed = _set_image("registry.local/nginx:1.27", "")
    return [
        (20, "image typo in frontend", lambda: _patch_deployment(store, "frontend", typo)),
        (30, "node stops heartbeating", lambda: _node_heartbeat(store, stopped=True)),
        (50, "frontend image fixed", lambda: _patch_deployment(store, "frontend", fixed)),
        (70, "node heartbeats again", lambda: _node_heartbeat(store, stopped=False)),
        (80, "rollout of web", lambda: _patch_deployment(store, "web", _restart)),
    ]


async def run_timeline(store: Store, name: str) -> None:
    steps = timeline(store)
    while True:
        elapsed = 0.0
        for at, what, action in steps:
            await asyncio.sleep(at - elapsed)
            elapsed = at
            log.info("%s: incident: %s", name, what)
            action()
        await asyncio.sleep(PERIOD - elapsed)


class Churn:
    """Spreads ``rate`` pod status changes per second over random healthy Running pods."""

    def __init__(self, store: Store, loop: Reconciler, config: SimConfig) -> None:
        self.store, self.loop, self.rate = store, loop, config.churn
        self.changes = 0
        self._keys: list[Key] = []

    async def run(self) -> None:
        tick, carry, refresh = 0.1, 0.0, 0
        while True:
            await asyncio.sleep(tick)
            if refresh <= 0:  # sampling a cached key list keeps a tick O(changes), not O(pods)
                self._keys, refresh = self.store.keys(PODS.resource), 10
            refresh -= 1
            carry += self.rate * tick
            while carry >= 1:
                carry -= 1
                self._one()

    def _one(self) -> None:
        for _ in range(5):  # a few tries to find a healthy Running pod
            if not self._keys:
                return
            key = random.choice(self._keys)
            p = self.store.get(PODS.resource, *key)
            if (
                p is None
                or p["metadata"].get("deletionTimestamp")
                or p["status"].get("phase") != "Running"
                or (p["metadata"].get("labels") or {}).get(FAULT_LABEL)
            ):
                continue
            if pods.is_ready(p) and random.random() < 0.5:
                p["status"] = pods.set_ready(p["status"], False)
                self.loop.after(3, functools.partial(self._recover, key, p["metadata"]["uid"]))
            else:
                self._restart(p)
            self.store.update(PODS.resource, p)
            self.changes += 1
            return

    @staticmethod
    def _restart(p: Obj) -> None:
        now = now_iso()
        for cs in p["status"].get("containerStatuses") or ():
            cs["restartCount"] = cs.get("restartCount", 0) + 1
            cs["lastState"] = {
                "terminated": {
                    "exitCode": 0,
                    "reason": "Completed",
                    "startedAt": now,
                    "finishedAt": now,
                }
            }
            cs["state"] = {"running": {"startedAt": now}}

    def _recover(self, key: Key, uid: str) -> None:
        p = self.store.get(PODS.resource, *key)
        if p is None or p["metadata"]["uid"] != uid or pods.is_ready(p):
            return
        node = self.store.get(NODES.resource, "", p["spec"].get("nodeName", ""))
        if node is None or (node["metadata"].get("labels") or {}).get(HEARTBEAT_LABEL):
            return
        p["status"] = pods.set_ready(p["status"], True)
        self.store.update(PODS.resource, p)
        self.changes += 1
