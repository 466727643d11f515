"""The agent's watchers against the real control plane, with the agent's own restricted
identity (ServiceAccount bound to the chart's ClusterRole): list + watch, relist after 410,
a forbidden kind reported once, namespace filters, a crash loop journaled and resolved.

Each test watches only its own namespace (``namespaces_include``), so tests do not see each
other's objects; the admin client makes the changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
from kubernetes import client, config

from agent.detect.settings import DetectSettings
from agent.kubeapi.errors import KubeConnectionError
from agent.kubeapi.transport import CLOSE_WAIT_S, KubeAccess
from agent.outbox.spool import Outbox
from agent.snapshot.mirror import Mirror
from agent.sources import events
from agent.sources.running import run_sources
from agent.sources.settings import SourcesSettings
from agent.sources.spec import Raw
from agent.sources.watching import Informer
from shared.domain.findings import Finding
from shared.domain.journal import FindingBatch
from shared.domain.resources import SourceState, SourceStatus
from tests.k8s.controlplane import ControlPlane

pytestmark = pytest.mark.k8s


async def eventually(check: Callable[[], object], limit_s: float = 60.0) -> None:
    async with asyncio.timeout(limit_s):
        while not check():  # noqa: ASYNC110 -- state owned by the code under test
            await asyncio.sleep(0.05)


@pytest.fixture
def core(k8s_cluster: ControlPlane) -> Iterator[client.CoreV1Api]:
    api = config.new_client_from_config(str(k8s_cluster.admin_kubeconfig))
    yield client.CoreV1Api(api)
    api.close()


@pytest.fixture
async def kube(k8s_cluster: ControlPlane) -> AsyncIterator[KubeAccess]:
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=k8s_cluster.agent_kubeconfig)
    async with access:
        yield access


def _cm(name: str, **data: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "data": data}


def _etcd_url(cp: ControlPlane) -> str:
    for c in cp.components:
        for arg in c.proc.args:
            if str(arg).startswith("--etcd-servers="):
                return str(arg).split("=", 1)[1].split(",")[0]
    raise AssertionError("no --etcd-servers in the control plane's arguments")


def compact_etcd(cp: ControlPlane) -> int:
    """Compact etcd's history up to now through its JSON gateway; returns the revision."""
    base = _etcd_url(cp)

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            doc: dict[str, Any] = json.loads(resp.read())
            return doc

    revision = int(post("/v3/kv/range", {"key": "AA=="})["header"]["revision"])
    post("/v3/kv/compaction", {"revision": revision, "physical": True})
    return revision


class Breaker:
    """Passes requests to the API server; can break the open watch (the informer sees a
    broken connection) and hold the next watch until released."""

    def __init__(self, inner: KubeAccess) -> None:
        self.inner = inner
        self.break_next = False
        self.release = asyncio.Event()
        self.release.set()

    async def get(self, path: str, params: Mapping[str, str], *, timeout_s: float) -> bytes:
        return await self.inner.get(path, params, timeout_s=timeout_s)

    @asynccontextmanager
    async def lines(
        self, path: str, params: Mapping[str, str], *, read_timeout_s: float
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        async with asyncio.timeout(120):
            await self.release.wait()
        async with self.inner.lines(path, params, read_timeout_s=read_timeout_s) as it:
            yield self._breakable(it)

    async def _breakable(self, it: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for line in it:
            if self.break_next:
                self.break_next = False
                self.release.clear()
                raise KubeConnectionError("broken by the test")
            yield line


class Names:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self._listing: set[str] = set()
        self.states: list[SourceState] = []

    def begin_list(self, namespace: str | None) -> None:
        self._listing = set()

    def list_page(self, namespace: str | None, items: list[Raw]) -> None:
        self._listing.update(o["metadata"]["name"] for o in items)

    def end_list(self, namespace: str | None) -> None:
        self.names = self._listing

    def event(self, namespace: str | None, type_: str, obj: Raw) -> None:
        name = obj["metadata"]["name"]
        if type_ == "DELETED":
            self.names.discard(name)
        else:
            self.names.add(name)

    def status(self, namespace: str | None, state: SourceState, message: str) -> None:
        self.states.append(state)


def _event(name: str, ns: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": ns},
        "reason": "Test",
        "message": name,
        "type": "Normal",
    }


async def test_relist_after_410_gone_loses_nothing(
    k8s_cluster: ControlPlane, k8s_namespace: str, kube: KubeAccess, core: client.CoreV1Api
) -> None:
    # Events: the API server serves their watches from etcd, not its watch cache, so
    # compacting etcd makes the informer's resourceVersion too old for real.
    ns = k8s_namespace
    await asyncio.to_thread(core.create_namespaced_event, ns, _event("stays", ns))
    await asyncio.to_thread(core.create_namespaced_event, ns, _event("goes", ns))
    wire = Breaker(kube)
    sink = Names()
    inf = Informer(
        name="Event",
        spec=events.SPEC,
        namespace=ns,
        transport=wire,
        sink=sink,
        settings=SourcesSettings(backoff_initial_s=0.05, backoff_max_s=0.2),
    )
    task = asyncio.create_task(inf.run())
    try:
        await eventually(lambda: inf.lists == 1 and {"stays", "goes"} <= sink.names)
        wire.break_next = True
        await asyncio.to_thread(core.create_namespaced_event, ns, _event("trigger", ns))
        await eventually(lambda: not wire.release.is_set())  # the watch broke
        await asyncio.to_thread(core.delete_namespaced_event, "goes", ns)
        await asyncio.to_thread(core.create_namespaced_event, ns, _event("new", ns))
        await asyncio.to_thread(compact_etcd, k8s_cluster)
        wire.release.set()
        await eventually(lambda: inf.lists >= 2)
        await eventually(lambda: "new" in sink.names)
        listed = await asyncio.to_thread(core.list_namespaced_event, ns)
        assert sink.names == {e.metadata.name for e in listed.items}
        assert "goes" not in sink.names
        assert {"stays", "trigger", "new"} <= sink.names
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class Agent:
    def __init__(self, kube: KubeAccess, settings: SourcesSettings) -> None:
        self.mirror = Mirror()
        self.mirror.attach()
        self.outbox = Outbox(max_records=10_000)
        self.statuses: dict[str, SourceStatus] = {}
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(
            run_sources(
                settings,
                kube=kube,
                mirror=self.mirror,
                outbox=self.outbox,
                detect_settings=DetectSettings(),
                stop=self.stop,
            )
        )

    def names(self, kind: str) -> set[str]:
        return {r.ref.name for r in self.mirror.iter_kind(kind)}

    def status(self, kind: str) -> SourceStatus | None:
        for s in self.mirror.take_status() or []:
            self.statuses[s.kind] = s
        return self.statuses.get(kind)

    def findings(self) -> list[Finding]:
        return [
            f
            for rec in self.outbox.after(0, 100_000)
            if isinstance(rec.body, FindingBatch)
            for f in rec.body.findings
        ]

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=15)


@pytest.fixture
async def agent(k8s_namespace: str, kube: KubeAccess) -> AsyncIterator[Agent]:
    settings = SourcesSettings(
        namespaces_include=[k8s_namespace],
        secrets_enabled=True,  # the agent's ClusterRole does not grant Secrets
        backoff_initial_s=0.05,
        backoff_max_s=0.5,
        recheck_interval_s=1.0,
    )
    a = Agent(kube, settings)
    yield a
    await a.close()


async def test_list_and_watch_follow_creates_updates_and_deletes(
    k8s_namespace: str, agent: Agent, core: client.CoreV1Api
) -> None:
    ns = k8s_namespace
    await asyncio.to_thread(core.create_namespaced_config_map, ns, _cm("before", a="1"))
    await eventually(lambda: "before" in agent.names("ConfigMap"))
    await asyncio.to_thread(core.create_namespaced_config_map, ns, _cm("after", a="1"))
    await asyncio.to_thread(core.patch_namespaced_config_map, "before", ns, {"data": {"b": "2"}})
    await eventually(lambda: "after" in agent.names("ConfigMap"))
    await eventually(
        lambda: (
            b'"b"'
            in next(
                r.body_json for r in agent.mirror.iter_kind("ConfigMap") if r.ref.name == "before"
            )
        )
    )
    await asyncio.to_thread(core.delete_namespaced_config_map, "after", ns)
    await eventually(lambda: "after" not in agent.names("ConfigMap"))


async def test_a_forbidden_kind_is_reported_to_the_mirror(agent: Agent) -> None:
    await eventually(lambda: (s := agent.status("Secret")) is not None and s.state == "forbidden")
    status = agent.status("Secret")
    assert status is not None
    assert "forbidden" in status.message
    await eventually(lambda: (s := agent.status("Pod")) is not None and s.state == "synced")


async def test_objects_outside_the_included_namespaces_are_not_seen(
    k8s_cluster: ControlPlane, k8s_namespace: str, agent: Agent, core: client.CoreV1Api
) -> None:
    other = f"{k8s_namespace[:50]}-other"
    k8s_cluster.create_namespace(other)
    try:
        await asyncio.to_thread(core.create_namespaced_config_map, other, _cm("elsewhere"))
        await asyncio.to_thread(core.create_namespaced_config_map, k8s_namespace, _cm("here"))
        await eventually(lambda: "here" in agent.names("ConfigMap"))
        assert "elsewhere" not in agent.names("ConfigMap")
        assert other not in agent.names("Namespace")
    finally:
        k8s_cluster.delete_namespace(other)


def _crashing_pod(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app": name, "lookout.test/fault": "crashloop"}},
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "registry.local/app:1.0",
                    "env": [{"name": "PASSWORD", "value": "do-not-leak"}],
                }
            ],
            "tolerations": [{"operator": "Exists"}],
            "terminationGracePeriodSeconds": 0,
        },
    }


async def test_a_crash_loop_is_journaled_and_resolves_when_the_pod_goes(
    k8s_namespace: str, agent: Agent, core: client.CoreV1Api
) -> None:
    ns = k8s_namespace
    await asyncio.to_thread(core.create_namespaced_pod, ns, _crashing_pod("crasher"))

    def crash() -> Finding | None:
        return next(
            (f for f in agent.findings() if f.reason == "CrashLoopBackOff" and not f.resolved),
            None,
        )

    await eventually(crash, 120)
    found = crash()
    assert found is not None
    assert found.subject.name == "crasher"
    pod = next(r for r in agent.mirror.iter_kind("Pod") if r.ref.name == "crasher")
    assert b"do-not-leak" not in pod.body_json
    await asyncio.to_thread(core.delete_namespaced_pod, "crasher", ns, grace_period_seconds=0)
    await eventually(
        lambda: any(f.resolved and f.fingerprint == found.fingerprint for f in agent.findings())
    )


def _sockets_to(port: int) -> int:
    """How many of this process's open, established TCP sockets have ``port`` as their peer."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table) as f:
            for row in f.readlines()[1:]:
                cols = row.split()
                established = cols[3] == "01"
                if int(cols[2].rsplit(":", 1)[1], 16) == port and established and cols[9] in inodes:
                    count += 1
    return count


@asynccontextmanager
async def _relay(target_port: int, slow: asyncio.Event, hold_s: float) -> AsyncIterator[int]:
    """A loopback TCP relay; once ``slow`` is set it holds every chunk from the server for
    ``hold_s``, so the server's TLS close_notify arrives well after the client started closing
    (or, past the access's CLOSE_WAIT_S, too late to be waited for)."""

    async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, delay: float) -> None:
        with contextlib.suppress(OSError):
            while chunk := await src.read(65536):
                if delay and slow.is_set():
                    await asyncio.sleep(delay)
                dst.write(chunk)
                await dst.drain()
        dst.close()

    handlers: set[asyncio.Task[None]] = set()

    async def relay(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        uw: asyncio.StreamWriter | None = None
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", target_port)
            await asyncio.gather(pipe(r, uw, 0.0), pipe(ur, w, hold_s))
        finally:
            for writer in (w, uw):
                if writer is not None:
                    writer.transport.abort()  # cancelled mid-hold: nothing left worth sending
            handlers.discard(task)

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        async with server:
            yield int(server.sockets[0].getsockname()[1])
    finally:
        # Python 3.11's Server.wait_closed does not wait for connection handlers: one still
        # holding a delayed chunk would leave its accepted socket to the garbage collector, a
        # ResourceWarning in whichever later test it surfaces (it did, in test_commands).
        for t in list(handlers):
            t.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


@pytest.mark.parametrize("hold_s", [0.3, 2 * CLOSE_WAIT_S], ids=["waited-for", "aborted"])
async def test_leaving_kube_access_closes_every_connection_even_a_cut_watch(
    k8s_cluster: ControlPlane, k8s_namespace: str, core: client.CoreV1Api, hold_s: float
) -> None:
    # A watch cut short closes its TLS connection outside the pool; the access used to return
    # before that socket had closed, so it could outlive the event loop (a ResourceWarning in
    # CI). The relay delays the server's close_notify so that the race is not left to luck:
    # within CLOSE_WAIT_S the access waits for it, past that it aborts the connection (a
    # loaded CI machine took longer than the wait, and the socket was left behind).
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=k8s_cluster.agent_kubeconfig)
    api_port = int(access.configuration.host.rsplit(":", 1)[1].split("/")[0])
    path = f"/api/v1/namespaces/{k8s_namespace}/configmaps"
    await asyncio.to_thread(core.create_namespaced_config_map, k8s_namespace, _cm("seen"))
    slow = asyncio.Event()
    async with _relay(api_port, slow, hold_s) as port:
        access.configuration.host = f"https://127.0.0.1:{port}"
        access = KubeAccess(access.configuration)
        async with access:
            streaming = asyncio.Semaphore(0)

            async def watch() -> None:
                async with access.lines(path, {"watch": "1"}, read_timeout_s=60) as docs:
                    # Once per watch: the namespace also holds kube-root-ca.crt, so counting
                    # documents could see three from two watches, the third still connecting.
                    async for _ in docs:
                        streaming.release()
                        break
                    await asyncio.Event().wait()

            tasks = [asyncio.create_task(watch()) for _ in range(3)]
            async with asyncio.timeout(20):
                for _ in tasks:
                    await streaming.acquire()
            slow.set()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        assert _sockets_to(port) == 0
