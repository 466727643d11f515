"""② -> ③ The object path shared by every kind's informers: raw objects -> detectors ->
tracker -> outbox, and projections -> mirror.

Owns the per-object path: namespace filter, feeding the detectors' index (slim views,
``agent.sources.contextviews``; the index is ``agent.detect.context.IndexContext``), restart
history, the detector pass, tracker, findings batched into ``FindingBatch`` journal records,
the slim ``Resource`` for the mirror (health = the worse of the status judgement and the
findings), which watch scopes of the looked-up kinds are synced (so the index can tell "gone"
from "not listed yet"), and the recheck pass: held objects are re-judged every
``recheck_interval_s`` in steps that yield to the event loop, and at once when an object their
findings are about is deleted (a Warning event about a deleted pod).

Which objects are held and when a recheck may be skipped is ``agent.sources.rechecks``; per-kind
bookkeeping across watch scopes is ``agent.sources.sinks.KindSink``; running the informers and
the recheck timer is ``agent.sources.running``. Deliberately does not own the list/watch
protocol (``agent.sources.watching``), projections (the kind modules), detector logic
(``agent.detect``), snapshots (``agent.snapshot``) or the journal (``agent.outbox``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Protocol

import orjson

from agent.detect.context import IndexContext
from agent.detect.errors import MalformedObject
from agent.detect.registry import DETECTORS, detect
from agent.detect.settings import DetectSettings
from agent.detect.tracker import Tracker
from agent.sources.contextviews import CONTEXT_VIEWS
from agent.sources.filters import NamespaceFilter
from agent.sources.rechecks import Held, HeldKey, RecheckSet, wanted
from agent.sources.settings import SourcesSettings
from agent.sources.sinks import MirrorPort
from agent.sources.spec import Raw, SourceSpec
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalBody
from shared.domain.refs import ObjectRef
from shared.domain.resources import Health, Resource, SourceState
from shared.logs import RateLimited

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (namespace, name)

# One journal record carries at most this many findings: keeps a record well under the gRPC
# message limit even when an initial list finds thousands of problems.
MAX_FINDINGS_PER_RECORD = 500

# Held objects re-judged per step of a recheck pass before the event loop gets a turn, so a
# watch event or a finding waits at most one step behind a pass (bench/README.md: its cost).
RECHECK_STEP = 100

_HEALTH_RANK: dict[Health, int] = {"ok": 0, "unknown": 1, "warning": 2, "critical": 3}
_SEVERITY_HEALTH: dict[Severity, Health] = {
    Severity.INFO: "ok",
    Severity.WARNING: "warning",
    Severity.CRITICAL: "critical",
}


class OutboxPort(Protocol):
    def put(self, body: JournalBody, now_ms: int) -> int: ...


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
        self.ctx = IndexContext(history=self.tracker.history)
        self.filter = NamespaceFilter.from_settings(settings)
        self.rechecks = RecheckSet(max_objects=settings.recheck_max_objects)
        self._findings: list[Finding] = []
        self._malformed_log = RateLimited(every_s=60.0)
        self.objects_seen = 0

    @property
    def held(self) -> dict[HeldKey, Held]:
        """The recheck set's entries (``agent.sources.rechecks``)."""
        return self.rechecks.held

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
        tick, deadlines = self.ctx.tick, list[float]()
        findings = self._judge((kind, ns, name), obj, now=now, deadlines=deadlines)
        proj = spec.project(obj)
        health = _worse(proj.health, findings)
        held = self._hold(
            spec, (kind, ns, name), obj, status_health=proj.health, health=health, findings=findings
        )
        if held is not None:
            held.note_verdict(tick, findings, deadlines)
        return Resource(
            ref=ObjectRef(kind, ns, name, meta.get("uid") or ""),
            resource_version=str(meta.get("resourceVersion") or ""),
            labels=meta.get("labels") or {},
            health=health,
            body_json=_exact(orjson.dumps(proj.body)),
        )

    def forget(self, kind: str, ns: str, name: str, now: int) -> None:
        """The object is gone: drop it from the index and the rechecks, resolve its findings,
        and re-judge at once the held objects with findings about it (Warning events about a
        deleted pod resolve now, not when they age out)."""
        if kind in CONTEXT_VIEWS:
            self.ctx.delete(kind, ns, name)
        self.rechecks.drop((kind, ns, name))
        self._findings.extend(self.tracker.delete(kind, (ns, name), now))
        for other_kind, (other_ns, other_name) in self.tracker.about(kind, (ns, name)):
            key = (other_kind, other_ns, other_name)
            held = self.held.get(key)
            if held is not None:
                self._recheck_one(key, held, now)

    def source_state(self, kind: str, namespace: str | None, state: SourceState) -> None:
        """A watch scope of ``kind`` (one namespace, or None: all) changed state. While it is
        synced the index holds every object of that scope, so detectors may treat an object
        missing from it as gone (``Context.known_gone``); before the first list and while
        relisting or failing they may not. Only kinds the index keeps count. (Objects in
        namespaces the filter drops are missing from a complete scope too, but nothing about
        them is judged: an event lives in its involved object's namespace.)"""
        if kind in CONTEXT_VIEWS:
            self.ctx.mark_complete(kind, namespace, state == "synced")

    def _judge(self, key: HeldKey, obj: Raw, *, now: int, deadlines: list[float]) -> list[Finding]:
        kind, ns, name = key
        if kind not in DETECTORS:
            return []
        try:
            findings = detect(
                kind,
                obj,
                now=now,
                settings=self.detect_settings,
                ctx=self.ctx,
                deadlines=deadlines,
            )
        except MalformedObject as e:
            if self._malformed_log.ready(time.monotonic()):
                log.warning("skipping detectors for a malformed object: %s", e)
            findings = []
        self._findings.extend(self.tracker.observe(kind, (ns, name), findings, now))
        return findings

    def _hold(
        self,
        spec: SourceSpec,
        key: HeldKey,
        obj: Raw,
        *,
        status_health: Health,
        health: Health,
        findings: list[Finding],
    ) -> Held | None:
        if not wanted(spec, health, findings) or spec.kind not in DETECTORS:
            self.rechecks.drop(key)
            return None
        return self.rechecks.hold(spec, key, obj, status_health=status_health, health=health)

    # -- periodic and batch work -----------------------------------------------------------------

    def recheck(self, now: int) -> int:
        """Re-judge held objects at ``now``; upsert those whose health changed."""
        for _ in self.recheck_steps(lambda: now):
            pass
        return len(self.held)

    def recheck_steps(self, clock: Callable[[], int]) -> Iterator[int]:
        """``recheck`` in steps of ``RECHECK_STEP`` objects, yielding between them, so the
        caller can let the event loop run: a whole pass in one piece would delay every watch
        event and frame behind it. Each step reads
        ``clock`` afresh. An object forgotten or re-admitted meanwhile is skipped (a deleted
        object must not come back; a re-admitted one was just judged)."""
        current = self.rechecks.held
        items = list(current.items())
        for start in range(0, len(items), RECHECK_STEP):
            now = clock()
            for key, held in items[start : start + RECHECK_STEP]:
                if current.get(key) is held:
                    self._recheck_one(key, held, now)
            yield start
        now = clock()
        self._findings.extend(self.tracker.due(now))  # throttled changes whose time came
        self.flush(now)

    def _recheck_one(self, key: HeldKey, held: Held, now: int) -> None:
        if held.unchanged(self.ctx, now):
            return  # nothing its detector reads changed, no duration came due: same verdict
        tick, deadlines = self.ctx.tick, list[float]()
        findings = self._judge(key, held.raw, now=now, deadlines=deadlines)
        held.note_verdict(tick, findings, deadlines)
        health = _worse(held.status_health, findings)
        if health != held.health:
            res = self._resource(held.spec, held.raw, health)
            self.mirror.upsert(res)
            held.health = health
        if not wanted(held.spec, health, findings):
            self.rechecks.drop(key)

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
    whole growth buffer, many times the document; the mirror keeps one per object, so without
    the copy every mirrored object would pin that slack."""
    return memoryview(data).tobytes()


def _worse(health: Health, findings: Sequence[Finding]) -> Health:
    for f in findings:
        h = _SEVERITY_HEALTH[f.severity]
        if _HEALTH_RANK[h] > _HEALTH_RANK[health]:
            health = h
    return health
