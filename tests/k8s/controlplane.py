"""A real Kubernetes control plane for tests: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (fake nodes and pod lifecycles), all as plain child processes on
127.0.0.1 with free ports in one temporary directory.

Owns: PKI (openssl, with SKI/AKI so strict TLS clients accept it), the start order and
readiness checks, the admin kubeconfig, the restricted agent identity (a ServiceAccount bound
to ``deploy/k8s/agent-clusterrole.yaml``, TokenRequest token), fake nodes, and stopping exactly
the processes it started (SIGTERM, then SIGKILL). Every wait has a deadline.
Does not own: finding or building the binaries (``scripts/k8s-bins.sh``, ``harness``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.k8s.kwok_setup import fake_nodes, kwok_args
from tests.k8s.pki import make_pki

REPO = Path(__file__).resolve().parents[2]
AGENT_CLUSTERROLE = REPO / "deploy" / "k8s" / "agent-clusterrole.yaml"
AGENT_NAMESPACE = "lookout"
AGENT_SA = "lookout-agent"


class ControlPlaneError(RuntimeError):
    """A component failed to start or become ready in time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Component:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass
class ControlPlane:
    bin_dir: Path
    workdir: Path
    nodes: int = 3
    components: list[Component] = field(default_factory=list)
    server: str = ""
    startup_seconds: float = 0.0

    # -- paths ------------------------------------------------------------------------------
    @property
    def pki(self) -> Path:
        return self.workdir / "pki"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.workdir / "admin.kubeconfig"

    @property
    def agent_kubeconfig(self) -> Path:
        return self.workdir / "agent.kubeconfig"

    def logs(self) -> dict[str, Path]:
        return {c.name: c.log for c in self.components}

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of each component's log (full logs stay in ``workdir``)."""
        out = []
        for c in self.components:
            text = [line[:300] for line in c.log.read_text(errors="replace").splitlines()[-lines:]]
            out.append(f"----- {c.name} ({c.log}) -----\n" + "\n".join(text))
        return "\n".join(out)

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, timeout: float = 180.0) -> None:
        t0 = time.monotonic()
        deadline = t0 + timeout
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._pki()
            etcd_port = self._etcd(deadline)
            self._apiserver(etcd_port, deadline)
            self._write_kubeconfig(
                self.admin_kubeconfig,
                {
                    "client-certificate": str(self.pki / "admin.crt"),
                    "client-key": str(self.pki / "admin.key"),
                },
                "admin",
            )
            self._controllers()
            self._kwok()
            self._create_nodes()
            self._agent_identity()
            self._wait(lambda: self._nodes_ready(), deadline, "kwok nodes Ready")
            self._wait(lambda: self._has_default_sa("default"), deadline, "default ServiceAccount")
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM our own children one by one in reverse start order, SIGKILL on timeout.

        One by one: with etcd gone first, kube-apiserver spends ~10 s retrying on shutdown.
        """
        for c in reversed(self.components):
            if c.proc.poll() is None:
                c.proc.send_signal(signal.SIGTERM)
                try:
                    c.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    c.proc.kill()
                    c.proc.wait(5)

    # -- helpers ------------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str]) -> Component:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as fh:
            proc = subprocess.Popen(
                [str(self.bin_dir / args[0]), *args[1:]],
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                start_new_session=True,
            )
        comp = Component(name, proc, log)
        self.components.append(comp)
        return comp

    def _wait(self, check: Any, deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            for c in self.components:
                if c.proc.poll() is not None:
                    raise ControlPlaneError(
                        f"{c.name} exited with {c.proc.returncode} while waiting for {what}\n"
                        + self.log_tail()
                    )
            with contextlib.suppress(Exception):
                if check():
                    return
            time.sleep(0.2)
        raise ControlPlaneError(f"timed out waiting for {what}\n" + self.log_tail())

    def _pki(self) -> None:
        make_pki(self.pki)

    def _etcd(self, deadline: float) -> int:
        client, peer = free_port(), free_port()
        self._spawn(
            "etcd",
            [
                "etcd",
                "--name",
                "t",
                "--data-dir",
                str(self.workdir / "etcd"),
                f"--listen-client-urls=http://127.0.0.1:{client}",
                f"--advertise-client-urls=http://127.0.0.1:{client}",
                f"--listen-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-cluster=t=http://127.0.0.1:{peer}",
                "--listen-metrics-urls=",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )

        def healthy() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{client}/health", timeout=2) as r:
                return bool(json.load(r).get("health") == "true")

        self._wait(healthy, deadline, "etcd /health")
        return client

    def _tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        ctx.load_cert_chain(str(self.pki / "admin.crt"), str(self.pki / "admin.key"))
        return ctx

    def _apiserver(self, etcd_port: int, deadline: float) -> None:
        port = free_port()
        p = self.pki
        self.server = f"https://127.0.0.1:{port}"
        self._spawn(
            "kube-apiserver",
            [
                "kube-apiserver",
                f"--etcd-servers=http://127.0.0.1:{etcd_port}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--tls-cert-file={p}/apiserver.crt",
                f"--tls-private-key-file={p}/apiserver.key",
                f"--client-ca-file={p}/ca.crt",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={p}/sa.pub",
                f"--service-account-signing-key-file={p}/sa.key",
                # Fills kube-system/extension-apiserver-authentication, which the controller
                # manager and scheduler read for delegated authn (else they log errors forever).
                f"--requestheader-client-ca-file={p}/ca.crt",
                "--requestheader-allowed-names=front-proxy-client",
                "--requestheader-username-headers=X-Remote-User",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                # The aggregator (metrics.k8s.io from tests/k8s/metrics_server.py): its client
                # certificate towards extension servers. No --enable-aggregator-routing: that
                # resolver refuses ExternalName Services, the one way to name 127.0.0.1.
                f"--proxy-client-cert-file={p}/front-proxy-client.crt",
                f"--proxy-client-key-file={p}/front-proxy-client.key",
                "--authorization-mode=Node,RBAC",
                # Compact etcd often (default 5 min) so that stale resourceVersions really expire
                # and watches/continues get 410 Gone within a test's lifetime, as in a busy cluster.
                "--etcd-compaction-interval=10s",
                # The watch cache answers a watch from a too-old rv with the current state while its
                # ~75 s window lasts, so 410 is rare on cached kinds. ConfigMaps are served straight
                # from etcd here: a watch from a compacted rv gets 410 Gone deterministically.
                "--watch-cache-sizes=configmaps#0",
                "--service-cluster-ip-range=10.96.0.0/16",
                # No default route here; and never publish a loopback address as Endpoints.
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
                # Pod logs: apiserver -> "kubelet" = kwok on the node's InternalIP 127.0.0.1.
                "--kubelet-preferred-address-types=InternalIP",
                f"--cert-dir={self.workdir / 'apiserver-certs'}",
                "--profiling=false",
                "--v=1",
            ],
        )
        ctx = self._tls()

        def ready() -> bool:
            with urllib.request.urlopen(f"{self.server}/readyz", timeout=2, context=ctx) as r:
                return bool(r.status == 200)

        self._wait(ready, deadline, "kube-apiserver /readyz")

    def _write_kubeconfig(self, path: Path, user: dict[str, str], name: str) -> None:
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": self.server,
                        "certificate-authority": str(self.pki / "ca.crt"),
                    },
                }
            ],
            "users": [{"name": name, "user": user}],
            "contexts": [{"name": name, "context": {"cluster": "local", "user": name}}],
            "current-context": name,
        }
        path.write_text(yaml.safe_dump(doc, sort_keys=False))

    def _controllers(self) -> None:
        kc = str(self.admin_kubeconfig)
        common = [
            f"--kubeconfig={kc}",
            f"--authentication-kubeconfig={kc}",
            f"--authorization-kubeconfig={kc}",
            "--bind-address=127.0.0.1",
            "--leader-elect=false",
        ]
        self._spawn(
            "kube-controller-manager",
            [
                "kube-controller-manager",
                *common,
                f"--secure-port={free_port()}",
                f"--service-account-private-key-file={self.pki / 'sa.key'}",
                f"--root-ca-file={self.pki / 'ca.crt'}",
            ],
        )
        self._spawn("kube-scheduler", ["kube-scheduler", *common, f"--secure-port={free_port()}"])

    def _kwok(self) -> None:
        port = free_port()  # kwok's kubelet API; also written into each node's status
        self._spawn("kwok", kwok_args(self.workdir, self.pki, self.admin_kubeconfig, port))

    # -- API calls through kubectl (the tests use the Python client; kubectl keeps the harness
    # independent of it and doubles as a proof that kubectl works) ---------------------------
    def kubectl(
        self,
        *args: str,
        stdin: str | None = None,
        check: bool = True,
        kubeconfig: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(self.bin_dir / "kubectl"),
                f"--kubeconfig={kubeconfig or self.admin_kubeconfig}",
                "--request-timeout=30s",
                *args,
            ],
            input=stdin,
            text=True,
            capture_output=True,
            check=check,
            timeout=60,
        )

    def apply(self, docs: list[dict[str, Any]]) -> None:
        self.kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all(docs))

    def _create_nodes(self) -> None:
        self.apply(fake_nodes(self.nodes))

    def _nodes_ready(self) -> bool:
        out = json.loads(self.kubectl("get", "nodes", "-o", "json").stdout)
        ready = [
            n
            for n in out["items"]
            if any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in n["status"].get("conditions", [])
            )
        ]
        return len(ready) >= self.nodes

    def _has_default_sa(self, namespace: str) -> bool:
        return (
            self.kubectl(
                "get", "serviceaccount", "default", "-n", namespace, check=False
            ).returncode
            == 0
        )

    def _agent_identity(self) -> None:
        role = yaml.safe_load(AGENT_CLUSTERROLE.read_text())
        self.apply(
            [
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": AGENT_NAMESPACE}},
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": AGENT_SA, "namespace": AGENT_NAMESPACE},
                },
                role,
                {
                    "apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding",
                    "metadata": {"name": "lookout-agent"},
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": "ClusterRole",
                        "name": role["metadata"]["name"],
                    },
                    "subjects": [
                        {"kind": "ServiceAccount", "name": AGENT_SA, "namespace": AGENT_NAMESPACE}
                    ],
                },
            ]
        )
        # A TokenRequest token, like a projected token in the agent's pod (bound, expiring).
        token = self.kubectl(
            "create", "token", AGENT_SA, "-n", AGENT_NAMESPACE, "--duration=24h"
        ).stdout.strip()
        self._write_kubeconfig(self.agent_kubeconfig, {"token": token}, "agent")

    def create_namespace(self, name: str, timeout: float = 30.0) -> None:
        """Create a namespace and wait for its default ServiceAccount (pods need it)."""
        self.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}])
        self._wait(
            lambda: self._has_default_sa(name),
            time.monotonic() + timeout,
            f"default ServiceAccount in {name}",
        )

    def delete_namespace(self, name: str) -> None:
        self.kubectl("delete", "namespace", name, "--wait=false", check=False)


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
