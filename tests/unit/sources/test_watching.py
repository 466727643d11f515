"""The informer against a simulated API server: list, watch, relist on 410, backoff, 403.

The relist backoff runs against a transport that plays an API server whose watches keep
expiring, in virtual time (the informer's ``sleep``): a real storm would take minutes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest

from agent.sources import configmaps, httproutes, secrets, watching
from agent.sources.settings import SourcesSettings
from agent.sources.spec import Raw
from agent.sources.watching import Informer
from kubesim.cluster import SimCluster
from shared.domain.resources import SourceState
from tests.unit.sources.helpers import Wire, eventually

FAST = SourcesSettings(backoff_initial_s=0.01, backoff_max_s=0.05, list_page_size=10)


class Recorder:
    """A Sink that keeps what it was told, like the mirror would."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], Raw] = {}
        self.listing: dict[tuple[str, str], Raw] | None = None
        self.pages = 0
        self.events: list[tuple[str, str]] = []
        self.states: list[tuple[SourceState, str]] = []

    def begin_list(self, namespace: str | None) -> None:
        self.listing = {}

    def list_page(self, namespace: str | None, items: list[Raw]) -> None:
        assert self.listing is not None
        self.pages += 1
        for obj in items:
            self.listing[_key(obj)] = obj

    def end_list(self, namespace: str | None) -> None:
        assert self.listing is not None
        self.objects, self.listing = self.listing, None

    def event(self, namespace: str | None, type_: str, obj: Raw) -> None:
        self.events.append((type_, obj["metadata"]["name"]))
        if type_ == "DELETED":
            self.objects.pop(_key(obj), None)
        else:
            self.objects[_key(obj)] = obj

    def status(self, namespace: str | None, state: SourceState, message: str) -> None:
        self.states.append((state, message))

    def names(self) -> set[str]:
        return {name for _, name in self.objects}


def _key(obj: Raw) -> tuple[str, str]:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _cm(name: str, **data: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default"}, "data": data}


@pytest.fixture
async def running(wire: Wire) -> AsyncIterator[tuple[Informer, Recorder]]:
    rec = Recorder()
    inf = Informer(
        name="ConfigMap",
        spec=configmaps.SPEC,
        namespace=None,
        transport=wire,
        sink=rec,
        settings=FAST,
    )
    task = asyncio.create_task(inf.run())
    await eventually(lambda: inf.lists == 1)
    yield inf, rec
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_lists_in_pages_then_reports_synced(sim: SimCluster, wire: Wire) -> None:
    for i in range(25):
        sim.store.create("configmaps", _cm(f"cm-{i:02d}"))
    rec = Recorder()
    inf = Informer(
        name="ConfigMap",
        spec=configmaps.SPEC,
        namespace=None,
        transport=wire,
        sink=rec,
        settings=FAST,
    )
    task = asyncio.create_task(inf.run())
    await eventually(lambda: inf.lists == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert {f"cm-{i:02d}" for i in range(25)} <= rec.names()
    assert rec.pages >= 3  # 25+ objects at 10 per page
    assert rec.states[:2] == [("syncing", ""), ("synced", "")]


async def test_watch_picks_up_creates_updates_and_deletes(
    sim: SimCluster, running: tuple[Informer, Recorder]
) -> None:
    _, rec = running
    sim.store.create("configmaps", _cm("a", k="1"))
    sim.store.create("configmaps", _cm("b"))
    await eventually(lambda: {"a", "b"} <= rec.names())
    obj = sim.store.must_get("configmaps", "default", "a")
    obj["data"] = {"k": "2"}
    sim.store.update("configmaps", obj)
    sim.store.delete("configmaps", "default", "b")
    await eventually(lambda: "b" not in rec.names())
    assert rec.objects[("default", "a")]["data"] == {"k": "2"}
    assert ("MODIFIED", "a") in rec.events
    assert ("DELETED", "b") in rec.events


async def test_rewatches_from_its_resource_version_after_a_broken_stream(
    sim: SimCluster, wire: Wire, running: tuple[Informer, Recorder]
) -> None:
    inf, rec = running
    wire.cut = True
    sim.store.create("configmaps", _cm("lost-in-the-cut"))  # dropped with the connection
    await eventually(lambda: "lost-in-the-cut" in rec.names())
    assert inf.lists == 1  # recovered by re-watching from the last rv, not by relisting
    assert wire.watches[configmaps.SPEC.path()] == 2


async def test_relists_after_410_gone_and_loses_nothing(
    sim: SimCluster, wire: Wire, running: tuple[Informer, Recorder]
) -> None:
    inf, rec = running
    sim.store.create("configmaps", _cm("stays"))
    sim.store.create("configmaps", _cm("deleted-while-away"))
    await eventually(lambda: {"stays", "deleted-while-away"} <= rec.names())
    wire.open.clear()  # the re-watch waits until the history it needs is gone
    wire.cut = True
    sim.store.create("configmaps", _cm("trigger"))
    await eventually(lambda: not wire.cut)
    sim.store.delete("configmaps", "default", "deleted-while-away")
    sim.store.create("configmaps", _cm("created-while-away"))
    sim.store.compact()
    wire.open.set()
    await eventually(lambda: inf.lists == 2)
    assert "deleted-while-away" not in rec.names()
    assert {"stays", "trigger", "created-while-away"} <= rec.names()
    assert rec.names() == {name for _, name in sim.store.keys("configmaps")}


async def test_forbidden_kind_is_reported_once_and_not_retried_in_a_loop(wire: Wire) -> None:
    rec = Recorder()
    inf = Informer(
        name="Secret",
        spec=secrets.SPEC,
        namespace=None,
        transport=wire,
        sink=rec,
        settings=FAST.model_copy(update={"forbidden_retry_s": 3600.0}),
    )
    task = asyncio.create_task(inf.run())
    await eventually(lambda: any(s == "forbidden" for s, _ in rec.states))
    await asyncio.sleep(0.2)  # a hot loop would issue hundreds of requests in this time
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wire.gets == {secrets.SPEC.path(): 1}
    assert [s for s, _ in rec.states] == ["syncing", "forbidden"]
    assert "secrets is forbidden" in rec.states[-1][1]
    assert inf.settled.is_set()


async def test_namespace_scoped_informer_sees_only_its_namespace(
    sim: SimCluster, wire: Wire
) -> None:
    sim.store.create("configmaps", _cm("in-default"))
    sim.store.create("configmaps", {"metadata": {"name": "elsewhere", "namespace": "kube-system"}})
    rec = Recorder()
    inf = Informer(
        name="ConfigMap",
        spec=configmaps.SPEC,
        namespace="kube-system",
        transport=wire,
        sink=rec,
        settings=FAST,
    )
    task = asyncio.create_task(inf.run())
    await eventually(lambda: inf.lists == 1)
    sim.store.create("configmaps", _cm("later-in-default"))
    sim.store.create("configmaps", {"metadata": {"name": "later", "namespace": "kube-system"}})
    await eventually(lambda: "later" in rec.names())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert all(ns == "kube-system" for ns, _ in rec.objects)
    assert "elsewhere" in rec.names()
    assert wire.gets == {"/api/v1/namespaces/kube-system/configmaps": 1}


# -- relists after 410 Gone back off ---------------------------------------------------------

GONE = orjson.dumps(
    {
        "type": "ERROR",
        "object": {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"},
    }
)


class Expiring:
    """An API server whose every watch answers 410 Gone at once; watch numbers listed in
    ``healthy`` first deliver an event. Lists are empty."""

    def __init__(self, healthy: frozenset[int] = frozenset()) -> None:
        self.lists = 0
        self.watches = 0
        self.healthy = healthy

    async def get(self, path: str, params: Mapping[str, str], *, timeout_s: float) -> bytes:
        self.lists += 1
        return orjson.dumps({"items": [], "metadata": {"resourceVersion": str(self.lists)}})

    @asynccontextmanager
    async def lines(
        self, path: str, params: Mapping[str, str], *, read_timeout_s: float
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        self.watches += 1
        yield self._lines(self.watches in self.healthy)

    async def _lines(self, healthy: bool) -> AsyncIterator[bytes]:
        if healthy:
            yield orjson.dumps({"type": "ADDED", "object": _cm("fresh")})
        yield GONE


class Enough(Exception):
    pass


class VirtualSleep:
    """Records each pause instead of waiting; ends the informer after ``limit`` of them."""

    def __init__(self, limit: int) -> None:
        self.delays: list[float] = []
        self.limit = limit

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if len(self.delays) >= self.limit:
            raise Enough
        await asyncio.sleep(0)


class Middle(random.Random):
    """Jitter that always draws the middle: delays are half their ceiling."""

    def random(self) -> float:
        return 0.5


async def _storm(transport: Expiring, relists: int, rand: random.Random) -> list[float]:
    sleep = VirtualSleep(relists)
    inf = Informer(
        name="ConfigMap",
        spec=configmaps.SPEC,
        namespace=None,
        transport=transport,
        sink=Recorder(),
        settings=SourcesSettings(backoff_initial_s=0.5, backoff_max_s=30.0),
        rand=rand,
        sleep=sleep,
    )
    with pytest.raises(Enough):
        await inf.run()
    assert inf.lists == transport.lists == relists  # one pause before every relist
    return sleep.delays


async def test_consecutive_relists_after_410_gone_back_off_capped_and_jittered() -> None:
    delays = await _storm(Expiring(), 12, Middle())
    assert delays == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0, 15.0, 15.0, 15.0]
    jittered = await _storm(Expiring(), 12, random.Random(14))
    ceilings = [min(30.0, 0.5 * 2**i) for i in range(12)]
    assert all(0 <= d <= c for d, c in zip(jittered, ceilings, strict=True))
    assert len(set(jittered)) == 12  # spread, not lockstep
    assert sum(jittered) > 30  # a minute-scale storm, not a tight loop of full lists


async def test_a_watch_that_delivered_for_a_while_starts_the_relist_backoff_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(watching, "RELIST_RESET_S", 0.0)  # "a while" has passed at once
    delays = await _storm(Expiring(healthy=frozenset({4})), 6, Middle())
    assert delays == [0.25, 0.5, 1.0, 0.25, 0.5, 1.0]


async def test_an_api_the_cluster_does_not_serve_is_disabled_once_and_checked_again(
    wire: Wire,
) -> None:
    # kubesim, like a cluster without the Gateway API CRDs, answers 404 for HTTPRoutes.
    rec = Recorder()
    inf = Informer(
        name="HTTPRoute",
        spec=httproutes.SPEC,
        namespace=None,
        transport=wire,
        sink=rec,
        settings=FAST.model_copy(update={"forbidden_retry_s": 0.02}),
    )
    task = asyncio.create_task(inf.run())
    await eventually(lambda: wire.gets.get(httproutes.SPEC.path(), 0) >= 3)  # checked again
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [s for s, _ in rec.states] == ["syncing", "disabled"]  # reported once, no flicker
    assert "CRD not installed" in rec.states[-1][1]
    assert inf.settled.is_set()
