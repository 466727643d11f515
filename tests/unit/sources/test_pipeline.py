"""The pipeline end to end against a simulated cluster: projection -> mirror, detectors ->
tracker -> outbox, namespace filters, source status; and rechecks of held objects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from agent.detect.settings import DetectSettings
from agent.outbox.spool import Outbox
from agent.snapshot.mirror import Mirror
from agent.sources import events, pods
from agent.sources.pipeline import RECHECK_STEP, Pipeline
from agent.sources.running import run_sources
from agent.sources.settings import SourcesSettings
from kubesim.cluster import SimCluster
from kubesim.kinds import BY_RESOURCE, FAULT_LABEL
from kubesim.objects import apply_defaults
from shared.clock import now_ms
from shared.domain.findings import Finding
from shared.domain.journal import FindingBatch
from shared.domain.resources import Resource, SourceState, SourceStatus
from tests.unit.sources.helpers import Wire, eventually

SECRET = "hunter2-env-value"


def _pod(name: str, namespace: str = "default", fault: str | None = None) -> dict[str, Any]:
    labels = {"app": name} | ({FAULT_LABEL: fault} if fault else {})
    body = {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "registry.local/app:1",
                    "env": [{"name": "PASSWORD", "value": SECRET}],
                }
            ]
        },
    }
    apply_defaults(BY_RESOURCE["pods"], body)
    return body


def _findings(outbox: Outbox) -> list[Finding]:
    out: list[Finding] = []
    for rec in outbox.after(0, 10_000):
        assert isinstance(rec.body, FindingBatch)
        out.extend(rec.body.findings)
    return out


def _status(mirror: Mirror) -> dict[str, SourceStatus]:
    return {s.kind: s for s in mirror.take_status() or []}


class Agent:
    def __init__(self, wire: Wire, settings: SourcesSettings) -> None:
        self.mirror = Mirror()
        self.mirror.attach()
        self.outbox = Outbox(max_records=10_000)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(
            run_sources(
                settings,
                kube=wire,
                mirror=self.mirror,
                outbox=self.outbox,
                detect_settings=DetectSettings(),
                stop=self.stop,
            )
        )

    def pods(self) -> dict[str, Resource]:
        return {r.ref.name: r for r in self.mirror.iter_kind("Pod")}

    async def close(self) -> None:
        self.stop.set()
        done, _ = await asyncio.wait([self.task], timeout=10)
        if not done:  # say which task ignored the stop, not just "timeout"
            for t in asyncio.all_tasks():
                t.print_stack(limit=40)
            raise AssertionError("run_sources did not stop within 10 s")


@pytest.fixture
async def agent_factory(wire: Wire) -> AsyncIterator[Any]:
    agents: list[Agent] = []

    def make(**overrides: Any) -> Agent:
        settings = SourcesSettings(backoff_initial_s=0.01, backoff_max_s=0.05, **overrides)
        agents.append(Agent(wire, settings))
        return agents[-1]

    yield make
    for a in agents:
        await a.close()


async def test_crash_loop_reaches_the_outbox_and_resolves_when_the_pod_goes(
    sim: SimCluster, agent_factory: Any
) -> None:
    sim.store.create("pods", _pod("healthy"))
    sim.store.create("pods", _pod("crasher", fault="crashloop"))
    agent = agent_factory()
    await eventually(
        lambda: any(f.reason == "CrashLoopBackOff" for f in _findings(agent.outbox)), 30
    )
    crash = next(f for f in _findings(agent.outbox) if f.reason == "CrashLoopBackOff")
    assert crash.subject.name == "crasher"
    assert not crash.resolved
    await eventually(lambda: agent.pods()["crasher"].health == "critical")
    assert agent.pods()["healthy"].health == "ok"
    assert SECRET.encode() not in agent.pods()["crasher"].body_json

    sim.store.delete("pods", "default", "crasher")
    await eventually(
        lambda: any(
            f.resolved and f.fingerprint == crash.fingerprint for f in _findings(agent.outbox)
        )
    )
    await eventually(lambda: "crasher" not in agent.pods())


async def test_excluded_namespaces_never_reach_the_mirror(
    sim: SimCluster, agent_factory: Any
) -> None:
    sim.store.create("pods", _pod("kept"))
    sim.store.create("pods", _pod("dropped", namespace="kube-system"))
    agent = agent_factory(namespaces_exclude=["kube-system"])
    await eventually(lambda: "kept" in agent.pods())
    sim.store.create("pods", _pod("dropped-later", namespace="kube-system"))
    sim.store.create("pods", _pod("kept-later"))
    await eventually(lambda: "kept-later" in agent.pods())
    assert "dropped" not in agent.pods()
    assert "dropped-later" not in agent.pods()
    assert "kube-system" not in {r.ref.name for r in agent.mirror.iter_kind("Namespace")}


async def test_included_namespaces_are_watched_one_by_one(
    sim: SimCluster, wire: Wire, agent_factory: Any
) -> None:
    sim.store.create("pods", _pod("in-kube-system", namespace="kube-system"))
    sim.store.create("pods", _pod("in-default"))
    agent = agent_factory(namespaces_include=["kube-system", "lookout"])
    await eventually(lambda: "in-kube-system" in agent.pods())
    await eventually(lambda: _count_nodes(agent.mirror) == 2)  # cluster-scoped kinds pass
    sim.store.delete("pods", "kube-system", "in-kube-system")
    await eventually(lambda: "in-kube-system" not in agent.pods())
    assert "in-default" not in agent.pods()
    assert "/api/v1/pods" not in wire.gets
    assert wire.gets["/api/v1/namespaces/kube-system/pods"] == 1


def _count_nodes(mirror: Mirror) -> int:
    return sum(1 for _ in mirror.iter_kind("Node"))


async def test_forbidden_and_disabled_kinds_are_reported_to_the_mirror(
    sim: SimCluster, agent_factory: Any
) -> None:
    agent = agent_factory(secrets_enabled=True, kinds_disabled=["ConfigMap"])
    seen: dict[str, SourceStatus] = {}

    def settled() -> bool:
        seen.update(_status(agent.mirror))
        return "Secret" in seen and seen["Secret"].state == "forbidden" and "Pod" in seen

    await eventually(settled)
    assert "secrets is forbidden" in seen["Secret"].message
    assert seen["ConfigMap"].state == "disabled"
    await eventually(lambda: seen.update(_status(agent.mirror)) or seen["Pod"].state == "synced")


def _pending_pod(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": "u1", "resourceVersion": "5"},
        "spec": {"containers": [{"name": "main", "image": "x"}]},
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "lastTransitionTime": "2026-01-01T00:00:00Z",
                }
            ],
        },
    }


def _pipeline(mirror: Mirror | None = None, outbox: Outbox | None = None) -> Pipeline:
    """A pipeline on the default settings (pass the mirror/outbox a test inspects)."""
    return Pipeline(
        settings=SourcesSettings(),
        detect_settings=DetectSettings(),
        mirror=Mirror() if mirror is None else mirror,
        outbox=Outbox(max_records=100) if outbox is None else outbox,
    )


T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z in ms


def test_held_objects_fire_duration_rules_on_recheck_without_a_new_event() -> None:
    mirror, outbox = Mirror(), Outbox(max_records=100)
    p = _pipeline(mirror=mirror, outbox=outbox)
    res = p.admit(pods.SPEC, _pending_pod("waiting"), T0 + 1_000)
    assert res is not None
    mirror.upsert(res)
    p.flush(T0 + 1_000)
    assert not any(f.reason == "Unschedulable" for f in _findings(outbox))
    assert ("Pod", "default", "waiting") in p.held

    p.recheck(T0 + 3_600_000)  # an hour later, with no watch event in between
    fired = [f for f in _findings(outbox) if f.reason == "Unschedulable"]
    assert fired
    assert not fired[0].resolved
    assert next(mirror.iter_kind("Pod")).health in ("warning", "critical")


def test_a_stepwise_recheck_skips_objects_deleted_between_its_steps() -> None:
    mirror, outbox = Mirror(), Outbox(max_records=100)
    p = _pipeline(mirror=mirror, outbox=outbox)
    names = [f"waiting-{i:03d}" for i in range(RECHECK_STEP + 1)]
    for name in names:
        res = p.admit(pods.SPEC, _pending_pod(name), T0 + 1_000)
        assert res is not None
        mirror.upsert(res)
    p.flush(T0 + 1_000)
    steps = p.recheck_steps(lambda: T0 + 3_600_000)
    next(steps)  # the first RECHECK_STEP objects re-judged; the event loop would run now
    p.forget("Pod", "default", names[-1], T0 + 3_600_000)
    for _ in steps:
        pass
    fired = {f.subject.name for f in _findings(outbox) if f.reason == "Unschedulable"}
    assert fired == set(names[:-1])
    assert ("Pod", "default", names[-1]) not in p.held


def test_healthy_objects_are_not_held_for_rechecks() -> None:
    p = _pipeline()
    pod = _pending_pod("fine")
    pod["status"] = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
    }
    p.admit(pods.SPEC, pod, T0)
    assert p.held == {}


def test_resource_body_is_the_slim_projection_as_json() -> None:
    p = _pipeline()
    pod = _pending_pod("p")
    pod["metadata"]["managedFields"] = [{"manager": "x"}]
    res = p.admit(pods.SPEC, pod, T0)
    assert res is not None
    assert res.ref.uid == "u1"
    assert res.resource_version == "5"
    body = orjson.loads(res.body_json)
    assert body["status"]["phase"] == "Pending"
    assert "managedFields" not in body["metadata"]


def test_a_malformed_object_is_skipped_not_raised() -> None:
    p = _pipeline()
    assert p.admit(pods.SPEC, {"metadata": "not-a-dict"}, T0) is None
    assert p.admit(pods.SPEC, {"metadata": {"name": "p"}, "status": ["x"]}, T0) is None


def test_warning_events_are_held_only_while_they_have_findings() -> None:
    p = _pipeline()
    normal_warning = {
        "metadata": {"name": "e1", "namespace": "default"},
        "type": "Warning",
        "reason": "SomethingUnlisted",
        "involvedObject": {"kind": "Pod", "name": "x", "namespace": "default"},
        "lastTimestamp": "2026-01-01T00:00:00Z",
    }
    res = p.admit(events.SPEC, normal_warning, T0)
    assert res is not None
    assert res.health == "warning"
    assert p.held == {}


def _backoff_event(name: str, pod: str, uid: str, at_ms: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"ev-{name}"},
        "type": "Warning",
        "reason": "BackOff",
        "message": "Back-off restarting failed container main",
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": pod, "uid": uid},
        "lastTimestamp": datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(),
    }


def _backoffs(outbox: Outbox) -> list[bool]:
    """The BackOff changes journaled so far (False: opened/changed, True: resolved); the
    complete set of active findings announced after the first pass is no change."""
    out: list[bool] = []
    for rec in outbox.after(0, 10_000):
        assert isinstance(rec.body, FindingBatch)
        if not rec.body.complete:
            out += [f.resolved for f in rec.body.findings if f.reason == "BackOff"]
    return out


def _pipeline_with_backoff(pods_state: SourceState | None) -> tuple[Pipeline, Outbox]:
    """A pipeline holding pod ``crasher`` (uid u1) and a fresh BackOff event about it."""
    outbox = Outbox(max_records=100)
    p = _pipeline(outbox=outbox)
    if pods_state is not None:
        p.source_state("Pod", None, pods_state)
    p.admit(pods.SPEC, _pending_pod("crasher"), T0)
    p.admit(events.SPEC, _backoff_event("crasher.1", "crasher", "u1", T0), T0)
    p.flush(T0)
    assert _backoffs(outbox) == [False]
    return p, outbox


def test_event_finding_resolves_on_the_delete_of_its_pod_without_a_recheck() -> None:
    p, outbox = _pipeline_with_backoff("synced")
    p.forget("Pod", "default", "crasher", T0 + 1_000)
    p.flush(T0 + 1_000)
    assert _backoffs(outbox) == [False, True]
    assert ("Event", "default", "crasher.1") not in p.held


def test_event_finding_stays_while_pods_are_not_synced() -> None:
    for state in (None, "syncing", "error", "forbidden"):
        p, outbox = _pipeline_with_backoff(state)
        p.forget("Pod", "default", "crasher", T0 + 1_000)
        p.recheck(T0 + 2_000)
        assert _backoffs(outbox) == [False], state


def test_event_finding_about_a_replaced_pod_resolves_on_recheck() -> None:
    p, outbox = _pipeline_with_backoff("synced")
    recreated = _pending_pod("crasher")
    recreated["metadata"]["uid"] = "u2"  # deleted and created again while the watch was down
    p.admit(pods.SPEC, recreated, T0 + 1_000)
    p.recheck(T0 + 2_000)
    assert _backoffs(outbox) == [False, True]


def test_only_kinds_kept_in_the_lookups_can_be_known_gone() -> None:
    p = _pipeline()
    p.source_state("Node", None, "synced")  # nodes are watched but not kept for lookups
    assert not p.ctx.known_gone("Node", "", "any-node")
    p.source_state("Pod", "default", "synced")
    assert p.ctx.known_gone("Pod", "default", "any-pod")
    assert not p.ctx.known_gone("Pod", "kube-system", "any-pod")


async def test_warning_event_about_a_deleted_pod_resolves_at_its_delete_event(
    sim: SimCluster, agent_factory: Any
) -> None:
    pod = sim.store.create("pods", _pod("crasher"))
    uid = pod["metadata"]["uid"]
    sim.store.create("events", _backoff_event("crasher.1", "crasher", uid, now_ms()))
    sim.store.create("events", _backoff_event("ghost.1", "ghost", "u-ghost", now_ms()))
    # Rechecks an hour apart: only the pod's delete event can resolve the finding in time.
    agent = agent_factory(recheck_interval_s=3600)
    await eventually(lambda: _backoffs(agent.outbox) == [False], 30)
    # The event about a pod that never was is no finding, not even in the complete set.
    assert {f.subject.name for f in _findings(agent.outbox) if f.reason == "BackOff"} == {"crasher"}

    sim.store.delete("pods", "default", "crasher")
    await eventually(lambda: _backoffs(agent.outbox) == [False, True])


async def test_warning_event_about_a_pod_stays_when_pods_are_not_watched(
    sim: SimCluster, agent_factory: Any
) -> None:
    sim.store.create("events", _backoff_event("ghost.1", "ghost", "u-ghost", now_ms()))
    agent = agent_factory(kinds_disabled=["Pod"])
    await eventually(lambda: _backoffs(agent.outbox) == [False], 30)
