"""② -> ③ The agent's object pipeline: informers -> projection -> mirror, and raw objects ->
detectors -> tracker -> outbox.

Owns the wiring and the per-object path: namespace filter, the detectors' lookup index (slim
views, ``agent.sources.contextviews``), restart history, detector pass, tracker, findings
batched into ``FindingBatch`` journal records, the slim ``Resource`` for the mirror (health =
the worse of the status judgement and the findings), and the recheck set: objects that are
unhealthy or have findings are kept (trimmed) and re-judged every ``recheck_interval_s`` so
duration rules fire and stale conditions resolve without a new watch event, and at once when
an object their findings are about is deleted (a Warning event about a deleted pod). A pass
runs in steps that yield to the event loop, and skips held objects whose kind names its
detector's inputs (``SourceSpec.recheck_inputs``: Services) while none of those changed and no
pending duration came due. Also which watch scopes of the looked-up kinds are synced, so the
lookups can tell "gone" from "not listed yet".

Per-kind bookkeeping across watch scopes is ``agent.sources.sinks.KindSink``; running the
informers and the recheck timer is ``agent.sourcing``. Deliberately does not own the
list/watch protocol (``agent.sources.watching``), projections
(the kind modules), detector logic (``agent.detect``), snapshots (``agent.snapshot``) or the
journal (``agent.outbox``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection, Iterator, Sequence
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
from agent.sources.settings import SourcesSettings
from agent.sources.sinks import MirrorPort
from agent.sources.spec import Raw, SourceSpec
from agent.sources.trimming import trim_raw
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

# Held objects re-judged per step of a recheck pass before the event loop gets a turn: ~10 ms
# of CPU each, so a watch event or a finding waits at most that long behind a pass.
RECHECK_STEP = 100

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
    """An object kept for rechecks: its trimmed raw form, its projection's own health (the
    raw form does not change while held, so a recheck need not project it again), the
    health last sent, and for kinds with ``recheck_inputs`` when a recheck may be skipped:
    ``quiet_at`` is the lookups' tick of a verdict without findings (-1: none), ``due_ms``
    when a duration that verdict saw pending comes due."""

    spec: SourceSpec
    raw: Raw
    status_health: Health
    health: Health
    quiet_at: int = -1
    due_ms: float = math.inf


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
        tick, deadlines = self.ctx.tick, list[float]()
        findings = self._judge(kind, ns, name, obj, now, deadlines)
        proj = spec.project(obj)
        health = _worse(proj.health, findings)
        held = self._hold(spec, (kind, ns, name), obj, proj.health, health, findings)
        if held is not None:
            _note_quiet(held, tick, findings, deadlines)
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

    def _judge(
        self, kind: str, ns: str, name: str, obj: Raw, now: int, deadlines: list[float]
    ) -> list[Finding]:
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
        key: tuple[str, str, str],
        obj: Raw,
        status_health: Health,
        health: Health,
        findings: list[Finding],
    ) -> _Held | None:
        unhealthy = health != "ok" and spec.hold_unhealthy
        if not (spec.recheck_always or findings or unhealthy) or spec.kind not in DETECTORS:
            self.held.pop(key, None)
            return None
        if key not in self.held and len(self.held) >= self.settings.recheck_max_objects:
            if self._held_full_log.ready(time.monotonic()):
                log.warning(
                    "recheck set full (%d objects): %s judged on change only",
                    len(self.held),
                    "/".join(key),
                )
            return None
        held = self.held[key] = _Held(spec, trim_raw(obj), status_health, health)
        return held

    # -- periodic and batch work -----------------------------------------------------------------

    def recheck(self, now: int) -> int:
        """Re-judge held objects at ``now``; upsert those whose health changed."""
        for _ in self.recheck_steps(lambda: now):
            pass
        return len(self.held)

    def recheck_steps(self, clock: Callable[[], int]) -> Iterator[int]:
        """``recheck`` in steps of ``RECHECK_STEP`` objects, yielding between them, so the
        caller can let the event loop run: a pass over ~1,300 held objects costs ~130 ms of
        CPU, which in one piece delays every watch event and frame behind it. Each step reads
        ``clock`` afresh. An object forgotten or re-admitted meanwhile is skipped (a deleted
        object must not come back; a re-admitted one was just judged)."""
        items = list(self.held.items())
        for start in range(0, len(items), RECHECK_STEP):
            now = clock()
            for key, held in items[start : start + RECHECK_STEP]:
                if self.held.get(key) is held:
                    self._recheck_one(key, held, now)
            yield start
        now = clock()
        self._findings.extend(self.tracker.due(now))  # throttled changes whose time came
        self.flush(now)

    def _recheck_one(self, key: tuple[str, str, str], held: _Held, now: int) -> None:
        inputs = held.spec.recheck_inputs
        if (
            inputs is not None
            and held.quiet_at >= 0
            and now < held.due_ms
            and inputs(held.raw, self.ctx) <= held.quiet_at
        ):
            return  # nothing its detector reads changed, no duration came due: same verdict
        kind, ns, name = key
        tick, deadlines = self.ctx.tick, list[float]()
        findings = self._judge(kind, ns, name, held.raw, now, deadlines)
        _note_quiet(held, tick, findings, deadlines)
        health = _worse(held.status_health, findings)
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


def _note_quiet(held: _Held, tick: int, findings: list[Finding], deadlines: list[float]) -> None:
    """Remember a verdict without findings for kinds whose rechecks may skip (``_Held``). A
    verdict with findings is always re-judged: the tracker needs to see it go."""
    if held.spec.recheck_inputs is None or findings:
        held.quiet_at, held.due_ms = -1, math.inf
    else:
        # A ms early: the detector's own comparison is on floats.
        held.quiet_at, held.due_ms = tick, min(deadlines, default=math.inf) - 1


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
