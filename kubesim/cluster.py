"""One simulated cluster: store + controllers + HTTP server + kubeconfig, and its seeding.

Owns: composing the parts, the initial object set (system namespaces, nodes, N pods' worth of
Deployments and Services, the demo incidents), waiting for the seed to settle before the
first client connects, and writing the kubeconfig clients use.
Does not own: process-level concerns (``__main__``: argument parsing, signals, many clusters).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from aiohttp import web

from kubesim import incidents
from kubesim.budgets import DisruptionController
from kubesim.config import SimConfig
from kubesim.context import Api
from kubesim.controllers import WorkloadControllers
from kubesim.daemonsets import DaemonSetController
from kubesim.http import make_app
from kubesim.kinds import BY_RESOURCE, DEPLOYMENTS, NAMESPACES, NODES, PDBS, Obj
from kubesim.kubelet import Kubelets
from kubesim.objects import apply_defaults, node, workload
from kubesim.reconciler import Reconciler
from kubesim.statefulsets import StatefulSetController
from kubesim.store import Store
from kubesim.workloads import EventRecorder

log = logging.getLogger(__name__)

REPLICAS = 5  # per seeded Deployment: 5,000 pods -> 1,000 Deployments in 10 namespaces
PODS_PER_NAMESPACE = 500


class SimCluster:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.store = Store(history=config.history)
        self.loop = Reconciler()
        self.events = EventRecorder(self.store, config.max_events)
        self.workloads = WorkloadControllers(self.store, self.loop, self.events)
        self.statefulsets = StatefulSetController(self.store, self.loop)
        self.daemonsets = DaemonSetController(self.store, self.loop)
        self.kubelets = Kubelets(self.store, self.loop, config, self.events)
        self.budgets = DisruptionController(self.store, self.loop)
        self.churn = incidents.Churn(self.store, self.loop, config)
        self.api = Api(config.name, self.store, bookmark_interval=config.bookmark_interval)
        self.port = 0

    @property
    def server(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _create(self, resource: str, body: Obj) -> None:
        apply_defaults(BY_RESOURCE[resource], body)
        self.store.create(resource, body)

    def seed(self) -> None:
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease", "lookout"):
            self._create(NAMESPACES.resource, {"metadata": {"name": ns}})
        for i in range(self.config.nodes):
            self.store.create(NODES.resource, node(f"{self.config.name}-node-{i}"))
        remaining, d = self.config.pods, 0
        while remaining > 0:
            ns = f"team-{d * REPLICAS // PODS_PER_NAMESPACE:02d}"
            if self.store.get(NAMESPACES.resource, "", ns) is None:
                self._create(NAMESPACES.resource, {"metadata": {"name": ns}})
            replicas = min(REPLICAS, remaining)
            name = f"svc-{d:04d}"
            self._create(
                DEPLOYMENTS.resource,
                workload(name, ns, replicas=replicas, image=f"registry.local/{name}:1.0"),
            )
            self._create(
                "services",
                {
                    "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
                    "spec": {
                        "selector": {"app": name},
                        "type": "ClusterIP",
                        "clusterIP": f"10.96.{d // 250}.{d % 250 + 1}",
                        "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
                    },
                },
            )
            if d % 10 == 0:
                self._create(
                    PDBS.resource,
                    {
                        "metadata": {"name": name, "namespace": ns},
                        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": name}}},
                    },
                )
            remaining -= replicas
            d += 1
        if self.config.incidents:
            self._create(NAMESPACES.resource, {"metadata": {"name": incidents.DEMO_NS}})
            incidents.seed_demo(self.store)

    async def _settle(self, limit: float = 120.0) -> None:
        """Wait until seeded pods are scheduled and started (or the timeout passes)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if not self.kubelets.busy() and not self.loop.pending():
                return
            await asyncio.sleep(0.2)
        log.warning("%s: seed did not settle within %.0fs", self.config.name, limit)

    def write_kubeconfig(self, out_dir: Path) -> Path:
        name = self.config.name
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": name, "cluster": {"server": self.server}}],
            "users": [
                {"name": "admin", "user": {"token": "kubesim-admin"}},
                {"name": "agent", "user": {"token": self.api.agent_token}},
            ],
            "contexts": [
                {"name": "admin", "context": {"cluster": name, "user": "admin"}},
                {"name": "agent", "context": {"cluster": name, "user": "agent"}},
            ],
            "current-context": "agent",
        }
        path = out_dir / f"{name}.kubeconfig"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(doc, sort_keys=False))
        os.replace(tmp, path)  # atomic: a waiting test never reads half a file
        return path

    async def run(self, *, port: int = 0, on_ready: Callable[[SimCluster], None]) -> None:
        self.seed()
        runner = web.AppRunner(make_app(self.api), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", port)
            await site.start()
            self.port = runner.addresses[0][1]
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.loop.run(), name=f"{self.config.name}-reconcile")
                await self._settle()
                # Like a freshly started watch cache: resourceVersions from before now are gone.
                self.store.compact()
                if self.config.churn > 0:
                    tg.create_task(self.churn.run(), name=f"{self.config.name}-churn")
                if self.config.incidents:
                    tg.create_task(
                        incidents.run_timeline(self.store, self.config.name),
                        name=f"{self.config.name}-incidents",
                    )
                on_ready(self)
        finally:
            await runner.cleanup()
