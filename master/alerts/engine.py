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
from master.alerts.grouping import GroupState, flush, is_member
from master.alerts.inhibit import Inhibition, Inhibitor, compile_inhibit_rules
from master.alerts.noise import NoiseLog
from master.alerts.notifications import Notification
from master.alerts.placement import Placement
from master.alerts.routing import Route, compile_route, group_labels, walk
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
        self._touched: set[str] = set()  # to (re)place at the next due
        self._timed: set[str] = set()  # pending, flapping, or a signal that may time out
        self._resolved: set[str] = set()
        # Over the notifiable alerts, kept up to date by _store; None: to build at next use.
        self._inhibitor: Inhibitor | None = None
        self.reconfigure(config)

    # -- configuration -----------------------------------------------------------------------

    def reconfigure(self, config: AlertConfig) -> None:
        """Swap in a (validated) config; state is kept, groups re-keyed at the next ``due``."""
        self.config = config
        self.root = compile_route(config.route)
        self._routes = {r.key: r for r in walk(self.root)}
        self.rules = compile_rules(config.rules)
        self._rules_by_name = {r.name: r for r in self.rules}
        self.inhibit_rules = compile_inhibit_rules(config.inhibit_rules)
        self.intervals = compile_time_intervals(config)
        self._placement = Placement(self.root)
        self._touched = set(self.alerts)
        self._inhibitor = None

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
        was = _signature(before)
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

    def _store(self, fp: str, rec: st.AlertRecord | None, was: _Sig, at_ms: int) -> None:
        self._dirty_alerts.add(fp)
        self._touched.add(fp)
        now = _signature(rec)
        if self._inhibitor is not None and (was[1], was[2]) != (now[1], now[2]):
            if rec is not None and rec.notifiable:  # a source now, or with other labels
                self._inhibitor.add(fp, rec.labels)
            else:
                self._inhibitor.remove(fp)
        self._track(fp, rec)
        if rec is not None and rec.status != was[0]:
            self.noise.transition(rec, was[0], at_ms)

    def _track(self, fp: str, rec: st.AlertRecord | None) -> None:
        if rec is None:
            self.alerts.pop(fp, None)
            self._timed.discard(fp)
            self._resolved.discard(fp)
            return
        self.alerts[fp] = rec
        self._touched.add(fp)
        timed = rec.status in ("pending", "flapping") or (rec.source not in _OWN and rec.active)
        (self._timed.add if timed else self._timed.discard)(fp)
        (self._resolved.add if rec.status == "resolved" else self._resolved.discard)(fp)

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

    def _inhibition(self) -> Inhibitor:
        if self._inhibitor is None:
            sources = [(fp, a.labels) for fp, a in self.alerts.items() if a.notifiable]
            self._inhibitor = Inhibitor(self.inhibit_rules, sources)
        return self._inhibitor

    def _held(self, rec: st.AlertRecord, silences: list[Silence], now_ms: int) -> object | None:
        """Why a notifiable alert is left out of notifications now: silence ids or an
        Inhibition; None if it is not."""
        ids = silencing(silences, rec.labels, now_ms) if silences else []
        if ids:
            return tuple(ids)
        return self._inhibition().check(rec.fingerprint, rec.labels)

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
        self._place(now_ms)
        silences = [s for s in self.silences.values() if s.active_at(now_ms)]
        out: list[Notification] = []
        for gid in sorted(g for g, group in self.groups.items() if group.next_flush_ms <= now_ms):
            n = self._flush(self.groups[gid], silences, now_ms)
            if n is not None:
                out.append(n)
                self.noise.notified(n)
        self._collect(now_ms)
        wake += [g.next_flush_ms for g in self.groups.values()]
        times = [t for t in wake if t is not None]
        return Due(tuple(out), min(times) if times else None)

    def _flush(
        self, group: GroupState, silences: list[Silence], now_ms: int
    ) -> Notification | None:
        route = self._routes.get(group.route_key)
        members = [self.alerts[fp] for fp in self._placement.members(group.id)]
        members = [a for a in members if is_member(a, group)]
        self._dirty_groups.add(group.id)
        if route is None or not members:
            del self.groups[group.id]
            return None
        suppressed: dict[str, object] = {}
        for a in members:
            why = self._held(a, silences, now_ms) if a.notifiable else None
            if why is not None:
                suppressed[a.fingerprint] = why
                if isinstance(why, tuple) and not a.silence_counted:
                    a.silence_counted = True
                    self.noise.record("silenced", a.rule, now_ms)
                    self._dirty_alerts.add(a.fingerprint)
        muted = self._muted(route, now_ms)
        n = flush(
            group, members, suppressed=suppressed, opts=route.opts, muted=muted, now_ms=now_ms
        )
        if not any(is_member(a, group) for a in members):
            del self.groups[group.id]
        return n

    def _advance(self, now_ms: int) -> int | None:
        wake: list[int] = []
        timeout = self.config.global_.resolve_timeout
        for fp in sorted(self._timed):
            rec = self.alerts[fp]
            rule = self._rule(rec.rule)
            if rec.source not in _OWN and rec.active and timeout > 0:
                # A signal that stopped reporting resolves, as in Alertmanager.
                if now_ms >= rec.updated_at_ms + timeout:
                    was, at = _signature(rec), rec.updated_at_ms + timeout
                    nxt = st.observe(
                        rec, fingerprint=fp, source=rec.source, key=rec.key, labels=rec.labels,
                        annotations=rec.annotations, active=False, at_ms=at, rule=rule,
                    )  # fmt: skip
                    self._store(fp, nxt, was, at)
                    if nxt is None:
                        continue
                else:
                    wake.append(rec.updated_at_ms + timeout)
            was = _signature(rec)
            t = st.advance(rec, now_ms, rule)
            if rec.status != was[0]:
                self._store(fp, rec, was, now_ms)
            if t is not None:
                wake.append(t)
        return min(wake, default=None)

    def _place(self, now_ms: int) -> None:
        """Alerts that changed since the last call into their groups; new groups for new
        firing ones, their first flush ``group_wait`` after the alert began firing."""
        touched = [(fp, self.alerts.get(fp)) for fp in self._touched]
        touched.sort(key=lambda t: (t[1].starts_at_ms if t[1] else 0, t[0]))
        for fp, rec in touched:
            if rec is None:
                self._placement.unplace(fp)
                continue
            for p in self._placement.place(fp, rec.labels):
                if rec.notifiable and p.group_id not in self.groups:
                    opts = p.route.opts
                    start = min(rec.starts_at_ms, now_ms)
                    self.groups[p.group_id] = GroupState(
                        receiver=opts.receiver,
                        route_key=p.route.key,
                        group_key=p.group_key,
                        labels=group_labels(opts, rec.labels),
                        created_ms=start,
                        next_flush_ms=start + opts.group_wait_ms,
                    )
                    self._dirty_groups.add(p.group_id)
        self._touched = set()

    def _collect(self, now_ms: int) -> None:
        """Forget resolved alerts no group still has to report, once past their flap window."""
        old = []
        for fp in self._resolved:
            rec = self.alerts[fp]
            flap = self._rule(rec.rule).flap
            keep = max(RETAIN_RESOLVED_MS, flap.window_ms if flap is not None else 0)
            if now_ms - rec.ends_at_ms >= keep:
                old.append(fp)
        if not old:
            return
        owed = {fp for g in self.groups.values() for fp in g.notified_firing}
        for fp in old:
            if fp not in owed:
                self._store(fp, None, _signature(self.alerts[fp]), now_ms)
                self._placement.unplace(fp)

    # -- reading -----------------------------------------------------------------------------

    def group_members(self, group_id: str) -> list[str]:
        """The fingerprints placed in ``group_id``: who its notifications are about."""
        return list(self._placement.members(group_id))

    def view(self, now_ms: int, only: Iterable[str] | None = None) -> list[AlertView]:
        """Every alert's view, or those of ``only`` that are in the table (fingerprints)."""
        silences = [s for s in self.silences.values() if s.active_at(now_ms)]
        self._place(now_ms)
        table = self.alerts
        records = (
            sorted(table.items())
            if only is None
            else [(fp, table[fp]) for fp in sorted(set(only)) if fp in table]
        )
        out = []
        for fp, rec in records:
            ids = silencing(silences, rec.labels, now_ms) if silences else []
            inhibited = self._inhibition().check(fp, rec.labels) if rec.notifiable else None
            places = self._placement.places(fp)
            out.append(
                AlertView(
                    record=rec,
                    silenced_by=tuple(ids),
                    inhibited_by=inhibited,
                    receivers=tuple(dict.fromkeys(p.route.opts.receiver for p in places)),
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
            engine._track(rec.fingerprint, rec)
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


_Sig = tuple[str | None, bool, tuple[tuple[str, str], ...]]
_OWN = (intake.FINDING, intake.LINK)


def _signature(rec: st.AlertRecord | None) -> _Sig:
    """Status, notifiable, labels: what decides noise counters and inhibition sources."""
    if rec is None:
        return (None, False, ())
    return (rec.status, rec.notifiable, tuple(rec.labels.items()))
