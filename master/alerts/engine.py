"""The alert engine: events in, notification decisions out, under a clock it is handed.

    engine = AlertEngine(load_config(text))          # or AlertEngine.restore(config, saved)
    engine.observe(FindingEvent(cluster, finding, at_ms))
    engine.observe(LinkEvent(cluster, "offline", at_ms))
    engine.observe(AlertSignal("slo", key, labels, active=True, at_ms=...))
    due = engine.due(now_ms)                         # notifications + when to call again
    save(engine.snapshot(), due.notifications)       # one transaction, in the shell

``due`` advances timed transitions (``for``, flap settling, signals past
``global.resolve_timeout``), judges suppression (silences, inhibition), places every alert in
its groups (route tree, ``group_by``) and flushes the groups whose timer has come. It is the
only place notifications are made, so calling it twice at the same instant sends nothing the
second time. Between calls the caller sleeps until ``next_wake_ms`` or the next event.

Owns the tables (alerts, groups, silences) and nothing else: no clock, no I/O, no locks. The
shell serialises calls (one asyncio task)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from master.alerts import intake
from master.alerts import state as st
from master.alerts.config import AlertConfig
from master.alerts.errors import UnknownAlert
from master.alerts.events import Event
from master.alerts.grouping import GroupState, flush, group_id
from master.alerts.inhibit import Inhibition, Inhibitor, compile_inhibit_rules
from master.alerts.noise import NoiseLog
from master.alerts.notifications import Notification
from master.alerts.routing import Route, compile_route, group_key, group_labels
from master.alerts.rules import DEFAULT, Rule, compile_rules, rule_for
from master.alerts.silences import Silence, next_change_ms, silencing
from master.alerts.timeintervals import compile_time_intervals

SNAPSHOT_VERSION = 1
RETAIN_RESOLVED_MS = 3_600_000  # resolved alerts kept this long (or their flap window)


@dataclass(frozen=True, slots=True)
class Due:
    notifications: tuple[Notification, ...]
    next_wake_ms: int | None  # None: nothing is timed; wait for the next event


@dataclass(frozen=True, slots=True)
class AlertView:
    """One alert as the API shows it: its record and what is holding it back."""

    record: st.AlertRecord
    silenced_by: tuple[str, ...]
    inhibited_by: Inhibition | None
    receivers: tuple[str, ...]


@dataclass(slots=True)
class Changes:
    """What changed since the last ``take_changes``: rows to upsert and keys to delete."""

    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_alerts: set[str] = field(default_factory=set)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted_groups: set[str] = field(default_factory=set)


class AlertEngine:
    def __init__(self, config: AlertConfig) -> None:
        self.alerts: dict[str, st.AlertRecord] = {}
        self.groups: dict[str, GroupState] = {}
        self.silences: dict[str, Silence] = {}
        self.noise = NoiseLog()
        self._dirty_alerts: set[str] = set()
        self._dirty_groups: set[str] = set()
        self.reconfigure(config)

    # -- configuration -----------------------------------------------------------------------

    def reconfigure(self, config: AlertConfig) -> None:
        """Swap in a (validated) config; state is kept, groups re-keyed at the next ``due``."""
        self.config = config
        self.root = compile_route(config.route)
        self._routes = {r.key: r for r in _walk(self.root)}
        self.rules = compile_rules(config.rules)
        self._rules_by_name = {r.name: r for r in self.rules}
        self.inhibit_rules = compile_inhibit_rules(config.inhibit_rules)
        self.intervals = compile_time_intervals(config)
        self._route_cache: dict[tuple[tuple[str, str], ...], list[Route]] = {}

    def _rule(self, name: str) -> Rule:
        return self._rules_by_name.get(name, DEFAULT)

    # -- events ------------------------------------------------------------------------------

    def observe(self, event: Event) -> None:
        seen = intake.describe(event)
        if seen is not None:
            self._apply(seen)

    def _apply(self, seen: intake.Observation) -> None:
        raw, fp, at_ms = seen.labels, seen.fingerprint, seen.at_ms
        rule = rule_for(self.rules, raw)
        before = self.alerts.get(fp)
        was = before.status if before is not None else None
        rec = st.observe(
            before,
            fingerprint=fp,
            source=seen.source,
            key=seen.key,
            labels=rule.apply(raw),
            annotations={**seen.annotations, **rule.annotations},
            active=seen.active,
            at_ms=at_ms,
            rule=rule,
        )
        self._store(fp, rec, was, at_ms)

    def _store(self, fp: str, rec: st.AlertRecord | None, was: str | None, at_ms: int) -> None:
        self._dirty_alerts.add(fp)
        if rec is None:
            self.alerts.pop(fp, None)
            return
        self.alerts[fp] = rec
        if rec.status != was:
            self.noise.transition(rec, was, at_ms)

    def acknowledge(self, fingerprint: str, *, by: str, at_ms: int) -> None:
        rec = self._get(fingerprint)
        st.acknowledge(rec, by=by, at_ms=at_ms)
        self.noise.record("acked", rec.rule, at_ms)
        self._dirty_alerts.add(fingerprint)

    def unacknowledge(self, fingerprint: str) -> None:
        st.unacknowledge(self._get(fingerprint))
        self._dirty_alerts.add(fingerprint)

    def _get(self, fingerprint: str) -> st.AlertRecord:
        rec = self.alerts.get(fingerprint)
        if rec is None:
            raise UnknownAlert(fingerprint)
        return rec

    def add_silence(self, silence: Silence) -> None:
        self.silences[silence.id] = silence

    def expire_silence(self, silence_id: str, *, now_ms: int) -> Silence:
        silence = self.silences.get(silence_id)
        if silence is None:
            raise UnknownAlert(silence_id)
        self.silences[silence_id] = silence = silence.expired(now_ms)
        return silence

    # -- judgement ---------------------------------------------------------------------------

    def _routes_for(self, labels: Mapping[str, str]) -> list[Route]:
        key = tuple(sorted(labels.items()))
        hit = self._route_cache.get(key)
        if hit is None:
            if len(self._route_cache) > 50_000:
                self._route_cache.clear()
            hit = self._route_cache[key] = self.root.match(labels)
        return hit

    def _suppression(self, now_ms: int) -> tuple[dict[str, tuple[str, ...]], Inhibitor]:
        sources = [(fp, a.labels) for fp, a in self.alerts.items() if a.notifiable]
        inhibitor = Inhibitor(self.inhibit_rules, sources)
        silences = [s for s in self.silences.values() if s.active_at(now_ms)]
        silenced = {}
        for fp, a in self.alerts.items():
            ids = silencing(silences, a.labels, now_ms) if silences else []
            if ids:
                silenced[fp] = tuple(ids)
        return silenced, inhibitor

    def _muted(self, route: Route, now_ms: int) -> bool:
        zone = self.config.time_zone
        opts = route.opts
        if any(self._in(name, now_ms, zone) for name in opts.mute_time_intervals):
            return True
        names = opts.active_time_intervals
        return bool(names) and not any(self._in(name, now_ms, zone) for name in names)

    def _in(self, name: str, now_ms: int, zone: str) -> bool:
        interval = self.intervals.get(name)
        return interval is not None and interval.contains(now_ms, zone)

    def due(self, now_ms: int) -> Due:
        wake = [self._advance(now_ms), next_change_ms(self.silences.values(), now_ms)]
        silenced, inhibitor = self._suppression(now_ms)
        suppressed: dict[str, object] = dict(silenced)
        for fp, a in self.alerts.items():
            if a.notifiable and fp not in suppressed:
                hit = inhibitor.check(fp, a.labels)
                if hit is not None:
                    suppressed[fp] = hit
        for fp in silenced:
            rec = self.alerts[fp]
            if rec.notifiable and not rec.silence_counted:
                rec.silence_counted = True
                self.noise.record("silenced", rec.rule, now_ms)
                self._dirty_alerts.add(fp)
        members = self._place(now_ms)
        out: list[Notification] = []
        for gid in sorted(self.groups):
            group = self.groups[gid]
            group_members = members.get(gid, [])
            if group.next_flush_ms <= now_ms:
                route = self._routes.get(group.route_key)
                if route is not None and group_members:
                    n = flush(
                        group,
                        group_members,
                        suppressed=suppressed,
                        opts=route.opts,
                        muted=self._muted(route, now_ms),
                        now_ms=now_ms,
                    )
                    self._dirty_groups.add(gid)
                    if n is not None:
                        out.append(n)
                        self.noise.notified(n)
                    group_members = [a for a in group_members if _still_member(a, group)]
            if not group_members:
                del self.groups[gid]
                self._dirty_groups.add(gid)
            else:
                wake.append(group.next_flush_ms)
        self._collect(now_ms)
        times = [t for t in wake if t is not None]
        return Due(tuple(out), min(times) if times else None)

    def _advance(self, now_ms: int) -> int | None:
        wake: list[int] = []
        timeout = self.config.global_.resolve_timeout
        for fp, rec in list(self.alerts.items()):
            rule = self._rule(rec.rule)
            if rec.source not in (intake.FINDING, intake.LINK) and rec.active and timeout > 0:
                # A signal that stopped reporting resolves, as in Alertmanager.
                if now_ms >= rec.updated_at_ms + timeout:
                    was = rec.status
                    at = rec.updated_at_ms + timeout
                    nxt = st.observe(
                        rec, fingerprint=fp, source=rec.source, key=rec.key, labels=rec.labels,
                        annotations=rec.annotations, active=False, at_ms=at, rule=rule,
                    )  # fmt: skip
                    self._store(fp, nxt, was, at)
                    if nxt is None:
                        continue
                else:
                    wake.append(rec.updated_at_ms + timeout)
            was = rec.status
            t = st.advance(rec, now_ms, rule)
            if rec.status != was:
                self._store(fp, rec, was, now_ms)
            if t is not None:
                wake.append(t)
        return min(wake, default=None)

    def _place(self, now_ms: int) -> dict[str, list[st.AlertRecord]]:
        """Every alert into the groups its routes give it; new groups for new firing ones."""
        members: dict[str, list[st.AlertRecord]] = {}
        for rec in self.alerts.values():
            if not (rec.notifiable or rec.status == "resolved"):
                continue
            for route in self._routes_for(rec.labels):
                key = group_key(route, rec.labels)
                gid = group_id(route.opts.receiver, key)
                group = self.groups.get(gid)
                if group is None:
                    if not rec.notifiable:
                        continue
                    start = min(rec.starts_at_ms, now_ms)
                    group = GroupState(
                        receiver=route.opts.receiver,
                        route_key=route.key,
                        group_key=key,
                        labels=group_labels(route.opts, rec.labels),
                        created_ms=start,
                        next_flush_ms=start + route.opts.group_wait_ms,
                    )
                    self.groups[gid] = group
                    self._dirty_groups.add(gid)
                if rec.notifiable or rec.fingerprint in group.notified_firing:
                    members.setdefault(gid, []).append(rec)
        return members

    def _collect(self, now_ms: int) -> None:
        """Forget resolved alerts no group still has to report, once past their flap window."""
        owed = {fp for g in self.groups.values() for fp in g.notified_firing}
        for fp, rec in list(self.alerts.items()):
            if rec.status != "resolved" or fp in owed:
                continue
            flap = self._rule(rec.rule).flap
            keep = max(RETAIN_RESOLVED_MS, flap.window_ms if flap is not None else 0)
            if now_ms - rec.ends_at_ms >= keep:
                del self.alerts[fp]
                self._dirty_alerts.add(fp)

    # -- reading -----------------------------------------------------------------------------

    def view(self, now_ms: int) -> list[AlertView]:
        silenced, inhibitor = self._suppression(now_ms)
        out = []
        for fp, rec in sorted(self.alerts.items()):
            routes = self._routes_for(rec.labels)
            out.append(
                AlertView(
                    record=rec,
                    silenced_by=silenced.get(fp, ()),
                    inhibited_by=inhibitor.check(fp, rec.labels) if rec.notifiable else None,
                    receivers=tuple(dict.fromkeys(r.opts.receiver for r in routes)),
                )
            )
        return out

    # -- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything a restart needs, as JSON-able data (dicts, lists, str, int, bool)."""
        return {
            "version": SNAPSHOT_VERSION,
            "alerts": [a.to_dict() for _, a in sorted(self.alerts.items())],
            "groups": [g.to_dict() for _, g in sorted(self.groups.items())],
            "silences": [s.to_dict() for _, s in sorted(self.silences.items())],
            "noise": self.noise.to_dict(),
        }

    @classmethod
    def restore(cls, config: AlertConfig, data: Mapping[str, Any]) -> AlertEngine:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(
                f"alert state version {data.get('version')!r} is not {SNAPSHOT_VERSION}"
            )
        engine = cls(config)
        for a in data.get("alerts", []):
            rec = st.AlertRecord.from_dict(a)
            engine.alerts[rec.fingerprint] = rec
        for g in data.get("groups", []):
            group = GroupState.from_dict(g)
            engine.groups[group.id] = group
        for s in data.get("silences", []):
            silence = Silence.from_dict(s)
            engine.silences[silence.id] = silence
        engine.noise = NoiseLog.from_dict(data.get("noise", {}))
        return engine

    def take_changes(self) -> Changes:
        """Rows changed since the last call, for a shell that persists row by row."""
        out = Changes()
        for fp in self._dirty_alerts:
            rec = self.alerts.get(fp)
            if rec is None:
                out.deleted_alerts.add(fp)
            else:
                out.alerts[fp] = rec.to_dict()
        for gid in self._dirty_groups:
            group = self.groups.get(gid)
            if group is None:
                out.deleted_groups.add(gid)
            else:
                out.groups[gid] = group.to_dict()
        self._dirty_alerts, self._dirty_groups = set(), set()
        return out


def _still_member(a: st.AlertRecord, group: GroupState) -> bool:
    return a.notifiable or a.fingerprint in group.notified_firing


def _walk(route: Route) -> Iterable[Route]:
    yield route
    for child in route.routes:
        yield from _walk(child)
