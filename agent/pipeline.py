"""② -> ③ The agent's object pipeline: informers -> projection -> mirror, and raw objects ->
detectors -> tracker -> outbox.

Owns the wiring and the per-object path: namespace filter, the detectors' lookup index (slim
views, ``agent.sources.contextviews``), restart history, detector pass, tracker, findings
batched into ``FindingBatch`` journal records, the slim ``Resource`` for the mirror (health =
the worse of the status judgement and the findings), and the recheck set: objects that are
unhealthy or have findings are kept (trimmed) and re-judged every ``recheck_interval_s`` so
duration rules fire and stale conditions resolve without a new watch event, and at once when
an object their findings are about is deleted (a Warning event about a deleted pod). Also
which watch scopes of the looked-up kinds are synced, so the lookups can tell "gone" from
"not listed yet".

Per-kind bookkeeping across watch scopes is ``agent.sources.sinks.KindSink``. Deliberately
does not own the list/watch protocol (``agent.sources.watching``), projections
(the kind modules), detector logic (``agent.detect``), snapshots (``agent.snapshot``) or the
journal (``agent.outbox``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import orjson

from agent.detect.errors import MalformedObject
from agent.detect.registry import DETECTORS, detect
from agent.detect.settings import DetectSettings
from agent.detect.tracker import Tracker
from agent.sources.contextviews import CONTEXT_VIEWS
from agent.sources.filters import NamespaceFilter
from agent.sources.lookups import Lookups
from agent.sources.registry import SOURCES, enabled_sources
from agent.sources.settings import SourcesSettings
from agent.sources.sinks import KindSink, MirrorPort
from agent.sources.spec import Raw, SourceSpec
from agent.sources.trimming import trim_raw
from agent.sources.watching import Informer, Transport
from shared.clock import now_ms
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalBody
from shared.domain.refs import ObjectRef
from shared.domain.resources import Health, Resource, SourceState, SourceStatus
from shared.logs import RateLimited

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (namespace, name)

# One journal record carries at most this many findings: keeps a record well under the gRPC
# message limit even when an initial list finds thousands of problems.
MAX_FINDINGS_PER_RECORD = 500

_HEALTH_RANK: dict[Health, int] = {"ok": 0, "unknown": 1, "warning": 2, "critical": 3}
_SEVERITY_HEALTH: dict[Severity, Health] = {
    Severity.INFO: "ok",
    Severity.WARNING: "warning",
    Severity.CRITICAL: "critical",
}


class OutboxPort(Protocol):
    def put(self, body: JournalBody, now_ms: int) -> int: ...


@dataclass(slots=True)
class _Held:
    """An object kept for rechecks: its trimmed raw form and the health last sent."""

    spec: SourceSpec
    raw: Raw
    health: Health


class Pipeline:
    """The per-object path shared by every kind's informers."""

    def __init__(
        self,
        *,
        settings: SourcesSettings,
        detect_settings: DetectSettings,
        mirror: MirrorPort,
        outbox: OutboxPort,
        tracker: Tracker | None = None,
    ) -> None:
        self.settings = settings
        self.detect_settings = detect_settings
        self.mirror = mirror
        self.outbox = outbox
        self.tracker = tracker or Tracker(detect_settings)
        self.ctx = Lookups(history=self.tracker.history)
        self.filter = NamespaceFilter.from_settings(settings)
        self.held: dict[tuple[str, str, str], _Held] = {}
        self._findings: list[Finding] = []
        self._malformed_log = RateLimited(every_s=60.0)
        self._held_full_log = RateLimited(every_s=300.0)
        self.objects_seen = 0

    # -- one object ------------------------------------------------------------------------------

    def admit(self, spec: SourceSpec, obj: Raw, now: int) -> Resource | None:
        """Judge and project one listed/added/modified object; None when filtered out or
        malformed (one bad object must not stop its kind's informer: it is logged, skipped)."""
        try:
            return self._admit(spec, obj, now)
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            if self._malformed_log.ready(time.monotonic()):
                log.warning("skipping a malformed %s: %r", spec.kind, e)
            return None

    def _admit(self, spec: SourceSpec, obj: Raw, now: int) -> Resource | None:
        if spec.normalize is not None:
            obj = spec.normalize(obj)
        meta = obj.get("metadata") or {}
        kind, ns, name = spec.kind, meta.get("namespace") or "", meta.get("name") or ""
        if not self.filter.allows(kind, ns, name):
            return None
        self.objects_seen += 1
        view = CONTEXT_VIEWS.get(kind)
        if view is not None:
            self.ctx.upsert(kind, view(obj))
        if kind == "Pod":
            self.tracker.history.record_pod(obj, now)
        findings = self._judge(kind, ns, name, obj, now)
        proj = spec.project(obj)
        health = _worse(proj.health, findings)
        self._hold(spec, (kind, ns, name), obj, health, findings)
        return Resource(
            ref=ObjectRef(kind, ns, name, meta.get("uid") or ""),
            resource_version=str(meta.get("resourceVersion") or ""),
            labels=meta.get("labels") or {},
            health=health,
            body_json=_exact(orjson.dumps(proj.body)),
        )

    def forget(self, kind: str, ns: str, name: str, now: int) -> None:
        """The object is gone: drop lookups and rechecks, resolve its findings, and re-judge
        at once the held objects with findings about it (Warning events about a deleted pod
        resolve now, not when they age out)."""
        if kind in CONTEXT_VIEWS:
            self.ctx.delete(kind, ns, name)
        self.held.pop((kind, ns, name), None)
        self._findings.extend(self.tracker.delete(kind, (ns, name), now))
        for other_kind, (other_ns, other_name) in self.tracker.about(kind, (ns, name)):
            key = (other_kind, other_ns, other_name)
            held = self.held.get(key)
            if held is not None:
                self._recheck_one(key, held, now)

    def source_state(self, kind: str, namespace: str | None, state: SourceState) -> None:
        """A watch scope of ``kind`` (one namespace, or None: all) changed state. While it is
        synced the lookups hold every object of that scope, so detectors may treat an object
        missing from them as gone (``Context.known_gone``); before the first list and while
        relisting or failing they may not. Only kinds the lookups keep count. (Objects in
        namespaces the filter drops are missing from a complete scope too, but nothing about
        them is judged: an event lives in its involved object's namespace.)"""
        if kind in CONTEXT_VIEWS:
            self.ctx.mark_complete(kind, namespace, state == "synced")

    def _judge(self, kind: str, ns: str, name: str, obj: Raw, now: int) -> list[Finding]:
        if kind not in DETECTORS:
            return []
        try:
            findings = detect(kind, obj, now=now, settings=self.detect_settings, ctx=self.ctx)
        except MalformedObject as e:
            if self._malformed_log.ready(time.monotonic()):
                log.warning("skipping detectors for a malformed object: %s", e)
            findings = []
        self._findings.extend(self.tracker.observe(kind, (ns, name), findings, now))
        return findings

    def _hold(
        self,
        spec: SourceSpec,
        key: tuple[str, str, str],
        obj: Raw,
        health: Health,
        findings: list[Finding],
    ) -> None:
        unhealthy = health != "ok" and spec.hold_unhealthy
        if not (spec.recheck_always or findings or unhealthy) or spec.kind not in DETECTORS:
            self.held.pop(key, None)
            return
        if key not in self.held and len(self.held) >= self.settings.recheck_max_objects:
            if self._held_full_log.ready(time.monotonic()):
                log.warning(
                    "recheck set full (%d objects): %s judged on change only",
                    len(self.held),
                    "/".join(key),
                )
            return
        self.held[key] = _Held(spec, trim_raw(obj), health)

    # -- periodic and batch work -----------------------------------------------------------------

    def recheck(self, now: int) -> int:
        """Re-judge held objects at ``now``; upsert those whose health changed."""
        for key, held in list(self.held.items()):
            self._recheck_one(key, held, now)
        self._findings.extend(self.tracker.due(now))  # throttled changes whose time came
        self.flush(now)
        return len(self.held)

    def _recheck_one(self, key: tuple[str, str, str], held: _Held, now: int) -> None:
        kind, ns, name = key
        findings = self._judge(kind, ns, name, held.raw, now)
        health = _worse(held.spec.project(held.raw).health, findings)
        if health != held.health:
            res = self._resource(held.spec, held.raw, health)
            self.mirror.upsert(res)
            held.health = health
        unhealthy = health != "ok" and held.spec.hold_unhealthy
        if not (held.spec.recheck_always or findings or unhealthy):
            del self.held[key]

    def _resource(self, spec: SourceSpec, raw: Raw, health: Health) -> Resource:
        meta = raw.get("metadata") or {}
        return Resource(
            ref=ObjectRef(
                spec.kind,
                meta.get("namespace") or "",
                meta.get("name") or "",
                meta.get("uid") or "",
            ),
            resource_version=str(meta.get("resourceVersion") or ""),
            labels=meta.get("labels") or {},
            health=health,
            body_json=_exact(orjson.dumps(spec.project(raw).body)),
        )

    def resync(self, kind: str, present: Collection[Key], now: int) -> None:
        self._findings.extend(self.tracker.resync(kind, present, now))

    def flush(self, now: int) -> None:
        """Journal the tracker's output gathered since the last flush."""
        pending, self._findings = self._findings, []
        for i in range(0, len(pending), MAX_FINDINGS_PER_RECORD):
            self.outbox.put(FindingBatch(tuple(pending[i : i + MAX_FINDINGS_PER_RECORD])), now)


def _exact(data: bytes) -> bytes:
    """A copy of exactly ``len(data)`` bytes. orjson returns bytes objects that keep their
    whole growth buffer (measured: 16 KiB held for a 1.1 KiB document); the mirror keeps one
    per object, so 5,000 pods would pin ~80 MiB of slack without the copy (+3 us each)."""
    return memoryview(data).tobytes()


def _worse(health: Health, findings: Sequence[Finding]) -> Health:
    for f in findings:
        h = _SEVERITY_HEALTH[f.severity]
        if _HEALTH_RANK[h] > _HEALTH_RANK[health]:
            health = h
    return health


class _Sink(KindSink):
    """``KindSink`` that also tells the pipeline each watch scope's state, so the lookups know
    which scopes they hold completely (``Pipeline.source_state``)."""

    def __init__(self, spec: SourceSpec, pipeline: Pipeline, scopes: Sequence[str | None]) -> None:
        super().__init__(spec, pipeline, scopes)
        self.pipeline = pipeline

    def status(self, namespace: str | None, state: SourceState, message: str) -> None:
        super().status(namespace, state, message)
        self.pipeline.source_state(self.spec.kind, namespace, state)


def build_informers(
    *, settings: SourcesSettings, transport: Transport, pipeline: Pipeline
) -> list[Informer]:
    """One informer per enabled source and watch scope; disabled kinds are reported once."""
    chosen = enabled_sources(settings)
    enabled_kinds = {s.kind for s in chosen.values()}
    for spec in SOURCES.values():
        if spec.kind not in enabled_kinds:
            pipeline.mirror.set_source_status(SourceStatus(spec.kind, "disabled"))
            enabled_kinds.add(spec.kind)  # report each kind once
    informers: list[Informer] = []
    for name, spec in chosen.items():
        scopes = pipeline.filter.scopes(spec.namespaced)
        sink = _Sink(spec, pipeline, scopes)
        for scope in scopes:
            informers.append(
                Informer(
                    name=name,
                    spec=spec,
                    namespace=scope,
                    transport=transport,
                    sink=sink,
                    settings=settings,
                )
            )
    return informers


async def recheck_forever(pipeline: Pipeline) -> None:
    interval = pipeline.settings.recheck_interval_s
    while True:
        await asyncio.sleep(interval)
        pipeline.recheck(now_ms())


async def announce_complete(
    informers: Sequence[Informer],
    pipeline: Pipeline,
    timeout_s: float,
    on_settled: Callable[[], None] | None = None,
) -> None:
    """Once every informer has settled (or ``timeout_s`` passed), call ``on_settled`` (the
    mirror may send its first snapshot) and journal the complete set of active findings in
    one record, so the master can resolve what cleared while this agent was not running (a
    restarted agent remembers nothing to resolve)."""
    try:
        async with asyncio.timeout(timeout_s):
            for informer in informers:
                await informer.settled.wait()
    except TimeoutError:
        log.warning("announcing active findings before every source finished its first list")
    if on_settled is not None:
        on_settled()
    now = now_ms()
    pipeline.flush(now)
    active = tuple(pipeline.tracker.active())
    pipeline.outbox.put(FindingBatch(active, complete=True), now)
    log.info("initial detection pass done: %d active findings", len(active))


async def _after(first: Sequence[Informer], informer: Informer, timeout_s: float) -> None:
    """Start ``informer`` once the ``first`` informers settled (or ``timeout_s`` passed)."""
    try:
        async with asyncio.timeout(timeout_s):
            for f in first:
                await f.settled.wait()
    except TimeoutError:
        log.warning("source %s: starting before lookups finished their first list", informer.name)
    await informer.run()


async def run_sources(
    settings: SourcesSettings,
    kube: Transport,
    mirror: MirrorPort,
    outbox: OutboxPort,
    detect_settings: DetectSettings,
    stop: asyncio.Event,
    *,
    tracker: Tracker | None = None,
    on_settled: Callable[[], None] | None = None,
) -> None:
    """Run every informer and the recheck timer until ``stop`` is set; ``on_settled`` runs
    once every source finished its first list (or the first phase timed out twice over).

    Kinds that detectors look up (pods, ReplicaSets, Jobs, EndpointSlices...) list first; the
    kinds judged with those lookups start when they settled, so an initial list does not
    judge a Service against a half-filled pod index and report a false NoReadyEndpoints."""
    pipeline = Pipeline(
        settings=settings,
        detect_settings=detect_settings,
        mirror=mirror,
        outbox=outbox,
        tracker=tracker,
    )
    informers = build_informers(settings=settings, transport=kube, pipeline=pipeline)
    first = [i for i in informers if i.kind in CONTEXT_VIEWS]
    later = [i for i in informers if i.kind not in CONTEXT_VIEWS]
    log.info("watching %d sources (%s)", len(informers), ", ".join(i.name for i in informers))
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(i.run(), name=f"source:{i.name}") for i in first]
        tasks += [
            tg.create_task(
                _after(first, i, settings.first_phase_timeout_s), name=f"source:{i.name}"
            )
            for i in later
        ]
        tasks.append(tg.create_task(recheck_forever(pipeline), name="source:recheck"))
        tasks.append(
            tg.create_task(
                announce_complete(
                    informers, pipeline, 2 * settings.first_phase_timeout_s, on_settled
                ),
                name="source:complete",
            )
        )
        await stop.wait()
        for t in tasks:
            t.cancel()
