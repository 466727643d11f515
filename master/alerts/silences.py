"""Silences: matchers, a start and an end, who made it and why.

A silence mutes the alerts it matches while ``starts_at_ms <= now < ends_at_ms``; expiring it
sets its end to now, so alerts still firing are notified again at their group's next flush.
A silence must have a matcher that does not match the empty string: one that matched every
alert would mute the whole installation by accident (Alertmanager refuses it too)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from master.alerts.errors import SilenceError
from master.alerts.labels import Labels
from master.alerts.matchers import Matchers, matches_all, parse_matcher_list


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: Matchers
    starts_at_ms: int
    ends_at_ms: int
    created_by: str
    comment: str
    created_at_ms: int = 0

    @classmethod
    def make(
        cls,
        *,
        id: str,
        matchers: Iterable[str],
        starts_at_ms: int,
        ends_at_ms: int,
        created_by: str,
        comment: str,
        created_at_ms: int = 0,
    ) -> Silence:
        parsed = parse_matcher_list(list(matchers))
        if not parsed or all(m.matches({}) for m in parsed):
            raise SilenceError("a silence needs a matcher that does not match every alert")
        if ends_at_ms <= starts_at_ms:
            raise SilenceError("a silence must end after it starts")
        return cls(id, parsed, starts_at_ms, ends_at_ms, created_by, comment, created_at_ms)

    def active_at(self, now_ms: int) -> bool:
        return self.starts_at_ms <= now_ms < self.ends_at_ms

    def matches(self, labels: Labels) -> bool:
        return matches_all(self.matchers, labels)

    def expired(self, now_ms: int) -> Silence:
        return replace(self, ends_at_ms=min(self.ends_at_ms, max(now_ms, self.starts_at_ms)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "matchers": [str(m) for m in self.matchers],
            "starts_at_ms": self.starts_at_ms,
            "ends_at_ms": self.ends_at_ms,
            "created_by": self.created_by,
            "comment": self.comment,
            "created_at_ms": self.created_at_ms,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Silence:
        return cls(
            str(d["id"]),
            parse_matcher_list(list(d["matchers"])),
            int(d["starts_at_ms"]),
            int(d["ends_at_ms"]),
            str(d["created_by"]),
            str(d["comment"]),
            int(d.get("created_at_ms", 0)),
        )


def silencing(silences: Iterable[Silence], labels: Labels, now_ms: int) -> list[str]:
    """Ids of the silences muting ``labels`` at ``now_ms``."""
    return [s.id for s in silences if s.active_at(now_ms) and s.matches(labels)]


def next_change_ms(silences: Iterable[Silence], now_ms: int) -> int | None:
    times = [t for s in silences for t in (s.starts_at_ms, s.ends_at_ms) if t > now_ms]
    return min(times, default=None)
