"""What the agent journals: the tracker turns each object's current findings into new,
changed and resolved records, and holds the restart history the RestartStorm rule reads.

Pure state machine: no I/O, no clock (``now`` is passed in). The agent pipeline, per object
update/delete::

    tracker.history.record_pod(pod, now_ms)                  # pods only, before detecting
    findings = detect(kind, obj, now=now_ms, ctx=ctx)        # ctx built with tracker.history
    records = tracker.observe(kind, (namespace, name), findings, now_ms)
    ...                                                      # journal `records`
    tracker.delete(kind, key, now_ms)                        # on delete (also forgets history)
    tracker.resync(kind, present_keys, now_ms)               # after a relist
    tracker.about(kind, key)                                 # on delete: re-judge these

Time-gated rules (PodNotReady > 5 min, fresh events) change with time alone, so the pipeline
must also re-run the detectors over its objects periodically and feed the results here; an
unchanged finding is not re-emitted.

A finding's holder (the object whose detector produced it) and subject differ for Warning
events: the event holds a finding about its involved pod. ``about`` lists such holders per
subject so the pipeline can re-judge them the moment the subject is deleted.

A fingerprint can be held by several objects (two Warning events about the same pod and
reason); it resolves only when the last holder lets go. Changes of count, message, node, owner
or attrs are re-emitted at most once per ``change_throttle_s``; a severity change at once.
Deliberately not here: deduplication across clusters, silences, routing (master).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from agent.detect.history import RestartHistory
from agent.detect.settings import DetectSettings
from agent.detect.times import Now, to_ms
from shared.domain.findings import Finding

ObjectKey = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped kinds
_Holder = tuple[str, ObjectKey]


@dataclass(slots=True)
class _Active:
    latest: Finding  # newest state, possibly not yet emitted (throttled)
    emitted: Finding  # what the journal last got
    emitted_ms: int
    holders: set[_Holder]


def _material(f: Finding) -> tuple[object, ...]:
    return (f.severity, f.message, f.count, f.node, f.owner, tuple(sorted(f.attrs.items())))


def _subjects(findings: Iterable[Finding], holder: _Holder) -> set[_Holder]:
    """Subjects of ``findings`` other than their holder itself."""
    out = {(f.subject.kind, (f.subject.namespace, f.subject.name)) for f in findings}
    out.discard(holder)
    return out


class Tracker:
    def __init__(self, settings: DetectSettings | None = None) -> None:
        self._settings = settings or DetectSettings()
        self.history = RestartHistory(keep_ms=int(self._settings.restart_storm_window_s * 1000))
        self._by_holder: dict[_Holder, dict[str, Finding]] = {}
        self._active: dict[str, _Active] = {}
        # Subject -> the other objects holding findings about it (Warning events about a pod),
        # so a subject's deletion can have them re-judged at once (``about``).
        self._about: dict[_Holder, set[_Holder]] = {}

    def observe(
        self, kind: str, key: ObjectKey, findings: Iterable[Finding], now: Now
    ) -> list[Finding]:
        """Replace the findings of one object; return the records to journal."""
        now_ms = to_ms(now)
        holder = (kind, key)
        current = {f.fingerprint: f for f in findings}
        previous = self._by_holder.pop(holder, {})
        out: list[Finding] = []
        for fp, finding in current.items():
            self._hold(fp, finding, holder, now_ms=now_ms, out=out)
        for fp in previous.keys() - current.keys():
            self._release(fp, holder, now_ms=now_ms, out=out)
        if current:
            self._by_holder[holder] = current
        if previous or current:
            self._reindex_about(holder, previous.values(), current.values())
        return out

    def about(self, kind: str, key: ObjectKey) -> list[tuple[str, ObjectKey]]:
        """The other objects (kind, key) holding findings whose subject is this object: the
        Warning events about a pod. The pipeline re-judges them when the subject goes."""
        return sorted(self._about.get((kind, key), ()))

    def delete(self, kind: str, key: ObjectKey, now: Now) -> list[Finding]:
        """The object is gone: resolve its findings and forget its restart history."""
        if kind == "Pod":
            self.history.forget(*key)
        return self.observe(kind, key, [], now)

    def resync(self, kind: str, present: Collection[ObjectKey], now: Now) -> list[Finding]:
        """Resolve the findings of every ``kind`` object not in ``present`` (gone during a
        relist, so no delete event arrived)."""
        keep = set(present)
        out: list[Finding] = []
        for holder in [h for h in self._by_holder if h[0] == kind and h[1] not in keep]:
            out.extend(self.delete(kind, holder[1], now))
        return out

    def due(self, now: Now) -> list[Finding]:
        """Changes held back by the throttle whose time has come."""
        now_ms = to_ms(now)
        out: list[Finding] = []
        for entry in self._active.values():
            if entry.latest is not entry.emitted and self._may_emit(entry, now_ms):
                self._emit(entry, now_ms, out)
        return out

    def active(self) -> list[Finding]:
        """Every unresolved finding in its newest state."""
        return [entry.latest for entry in self._active.values()]

    def _reindex_about(
        self, holder: _Holder, previous: Iterable[Finding], current: Iterable[Finding]
    ) -> None:
        before, after = _subjects(previous, holder), _subjects(current, holder)
        for subject in before - after:
            holders = self._about.get(subject)
            if holders is not None:
                holders.discard(holder)
                if not holders:
                    del self._about[subject]
        for subject in after - before:
            self._about.setdefault(subject, set()).add(holder)

    def _hold(
        self, fp: str, finding: Finding, holder: _Holder, *, now_ms: int, out: list[Finding]
    ) -> None:
        entry = self._active.get(fp)
        if entry is None:
            self._active[fp] = _Active(finding, finding, now_ms, {holder})
            out.append(finding)
            return
        entry.holders.add(holder)
        first = min(entry.emitted.first_seen_ms, finding.first_seen_ms)
        entry.latest = replace(finding, first_seen_ms=first)
        if _material(entry.latest) == _material(entry.emitted):
            entry.latest = entry.emitted  # nothing worth a record; keep identity for `due`
        elif entry.latest.severity != entry.emitted.severity or self._may_emit(entry, now_ms):
            self._emit(entry, now_ms, out)

    def _may_emit(self, entry: _Active, now_ms: int) -> bool:
        return now_ms - entry.emitted_ms >= self._settings.change_throttle_s * 1000

    @staticmethod
    def _emit(entry: _Active, now_ms: int, out: list[Finding]) -> None:
        entry.emitted, entry.emitted_ms = entry.latest, now_ms
        out.append(entry.latest)

    def _release(self, fp: str, holder: _Holder, *, now_ms: int, out: list[Finding]) -> None:
        entry = self._active.get(fp)
        if entry is None:
            return
        entry.holders.discard(holder)
        if not entry.holders:
            del self._active[fp]
            out.append(replace(entry.latest, resolved=True, last_seen_ms=now_ms))
