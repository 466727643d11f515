"""The two backends of the contract suite: the real control plane and kubesim.

Both are reached the way the agent reaches a cluster — a kubeconfig and the ``kubernetes``
client — so a behaviour that differs between them fails here, not in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kubernetes import client, config

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], *, timeout: float = 30.0, what: str) -> T:
    """Poll ``check`` until it returns something truthy; every wait in the suite has a bound."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass
class Backend:
    name: str
    kubeconfig: Path
    admin_context: str
    agent_kubeconfig: Path
    agent_context: str
    needs_default_sa: bool
    clients: list[client.ApiClient] = field(default_factory=list)

    def api(self, *, agent: bool = False) -> client.ApiClient:
        if agent:
            c = config.new_client_from_config(str(self.agent_kubeconfig), self.agent_context)
        else:
            c = config.new_client_from_config(str(self.kubeconfig), self.admin_context)
        self.clients.append(c)
        return c

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.clients.clear()

    def create_namespace(self, core: client.CoreV1Api) -> str:
        name = f"c-{uuid.uuid4().hex[:8]}"
        core.create_namespace({"metadata": {"name": name}})
        if self.needs_default_sa:  # the real ServiceAccount admission needs it for pods
            wait_for(
                lambda: core.list_namespaced_service_account(name).items,
                what=f"default ServiceAccount in {name}",
            )
        return name

    def grant_agent(self, namespace: str, *, group: str, resource: str, verbs: list[str]) -> None:
        """Let the agent identity do more in one namespace than the chart's ClusterRole allows
        (drain's ``pods/eviction`` is opt-in). kubesim has no RBAC beyond "the agent reads no
        Secrets", so there is nothing to grant there."""
        if self.name != "kube":
            return
        from tests.k8s.controlplane import AGENT_NAMESPACE, AGENT_SA

        rbac = client.RbacAuthorizationV1Api(self.api())
        name = f"lookout-test-{resource.replace('/', '-')}"
        rbac.create_namespaced_role(
            namespace,
            {
                "metadata": {"name": name},
                "rules": [{"apiGroups": [group], "resources": [resource], "verbs": verbs}],
            },
        )
        rbac.create_namespaced_role_binding(
            namespace,
            {
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": [
                    {"kind": "ServiceAccount", "name": AGENT_SA, "namespace": AGENT_NAMESPACE}
                ],
            },
        )


class Simulator:
    """``python -m kubesim`` as a child process: the same entry point a demo uses."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.log = out / "kubesim.log"
        with self.log.open("wb") as fh:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kubesim",
                    "--clusters",
                    "1",
                    "--pods",
                    "0",
                    "--nodes",
                    "3",
                    "--no-incidents",
                    "--out",
                    str(out),
                    "--start-delay",
                    "0.2",
                    "--crash-interval",
                    "2",
                    "--prefix",
                    "contract",
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        self.kubeconfig = out / "contract-0.kubeconfig"
        try:
            wait_for(
                lambda: self.kubeconfig.exists() or self.proc.poll() is not None,
                timeout=60,
                what="kubesim kubeconfig",
            )
        except AssertionError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            raise RuntimeError("kubesim exited:\n" + self.log.read_text())

    def backend(self) -> Backend:
        return Backend(
            "sim", self.kubeconfig, "admin", self.kubeconfig, "agent", needs_default_sa=False
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
