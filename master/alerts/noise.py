"""Noise accounting: per rule and per receiver, how often alerts fire, flap, resolve within five
minutes, get silenced or acknowledged, and how many notifications went out — over the last 7
and 30 days, so people fix the noisy rules instead of muting channels.

Counts are kept in day buckets (UTC days since the epoch) and pruned past 30 days, so the state
stays small and serialisable with the rest of the engine's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from master.alerts.notifications import Notification
from master.alerts.state import AlertRecord

DAY_MS = 86_400_000
QUICK_RESOLVE_MS = 5 * 60_000
WINDOWS_DAYS = (7, 30)
KINDS = ("fires", "flaps", "quick_resolves", "silenced", "acked", "notifications")


@dataclass(frozen=True, slots=True)
class NoiseRow:
    scope: str  # "rule" | "receiver"
    name: str
    days: int
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(slots=True)
class NoiseLog:
    # (scope, name, kind, day) → count
    buckets: dict[tuple[str, str, str, int], int] = field(default_factory=dict)
    _pruned_day: int = 0

    def record(self, kind: str, rule: str, at_ms: int, *, scope: str = "rule", n: int = 1) -> None:
        day = at_ms // DAY_MS
        key = (scope, rule, kind, day)
        self.buckets[key] = self.buckets.get(key, 0) + n
        if day > self._pruned_day:  # once a day, not per count
            self._pruned_day = day
            oldest = day - max(WINDOWS_DAYS)
            self.buckets = {k: v for k, v in self.buckets.items() if k[3] >= oldest}

    def transition(self, rec: AlertRecord, was: str | None, at_ms: int) -> None:
        if rec.status == "firing" and was not in ("firing", "flapping"):
            self.record("fires", rec.rule, at_ms)
        elif rec.status == "flapping":
            self.record("flaps", rec.rule, at_ms)
        elif (
            rec.status == "resolved"
            and was == "firing"
            and rec.ends_at_ms - rec.starts_at_ms < QUICK_RESOLVE_MS
        ):
            self.record("quick_resolves", rec.rule, at_ms)

    def notified(self, n: Notification) -> None:
        self.record("notifications", n.receiver, n.at_ms, scope="receiver")
        self.record("fires", n.receiver, n.at_ms, scope="receiver", n=n.firing)

    def report(self, now_ms: int) -> list[NoiseRow]:
        """One row per (scope, name, window), noisiest first."""
        today = now_ms // DAY_MS
        rows = []
        names = sorted({(k[0], k[1]) for k in self.buckets})
        for days in WINDOWS_DAYS:
            for scope, name in names:
                counts = dict.fromkeys(KINDS, 0)
                for (s, nm, kind, day), v in self.buckets.items():
                    if s == scope and nm == name and today - day < days:
                        counts[kind] += v
                rows.append(NoiseRow(scope, name, days, counts))
        return sorted(rows, key=lambda r: (r.days, -r.total, r.scope, r.name))

    def to_dict(self) -> dict[str, Any]:
        return {"buckets": [[*k, v] for k, v in sorted(self.buckets.items())]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NoiseLog:
        out = cls()
        for scope, name, kind, day, v in d.get("buckets", []):
            out.buckets[(str(scope), str(name), str(kind), int(day))] = int(v)
        return out
