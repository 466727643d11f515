"""Per-fingerprint alert state: inactive → pending (``for``) → firing → resolved, and flapping.

Absent from the table = inactive. A condition that clears while pending never fired and is
forgotten. Every flip of the condition after the alert first fired is remembered for the rule's
flap window; reaching ``transitions`` flips makes the alert ``flapping``: for notifications it
counts as firing (so neither its resolutions nor its returns are sent) until ``settle`` passes
without a flip, then it takes its real state (firing, or resolved with one resolved
notification). An acknowledgement (who, when) stops repeats for the current episode; a new
episode (resolved → firing again) clears it.

Records are plain dataclasses with ``to_dict``/``from_dict``, so the master persists them and
a restart resumes where it stopped: nothing here depends on anything but the record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from master.alerts.rules import Rule

AlertStatus = Literal["pending", "firing", "flapping", "resolved"]


@dataclass(slots=True)
class AlertRecord:
    fingerprint: str
    source: str
    key: str
    labels: dict[str, str]
    annotations: dict[str, str]
    rule: str
    status: AlertStatus
    active: bool
    active_since_ms: int
    fire_at_ms: int = 0  # when a pending alert fires
    starts_at_ms: int = 0  # when the current episode began firing
    ends_at_ms: int = 0  # when it resolved (0 while not resolved)
    updated_at_ms: int = 0
    ever_fired: bool = False
    flips: list[int] = field(default_factory=list)
    flapping_since_ms: int = 0
    acked_by: str = ""
    acked_at_ms: int = 0
    silence_counted: bool = False  # this episode is in the noise counters as silenced

    @property
    def notifiable(self) -> bool:
        """Counts as firing for notifications (a flapping alert is held firing)."""
        return self.status in ("firing", "flapping")

    @property
    def settled(self) -> bool:
        return self.status == "resolved"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AlertRecord:
        data = dict(d)
        data["labels"] = dict(data["labels"])
        data["annotations"] = dict(data["annotations"])
        data["flips"] = list(data.get("flips", []))
        return cls(**data)


def observe(
    rec: AlertRecord | None,
    *,
    fingerprint: str,
    source: str,
    key: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    active: bool,
    at_ms: int,
    rule: Rule,
) -> AlertRecord | None:
    """The record after the condition was reported ``active`` (or not) at ``at_ms``."""
    if rule.disabled:
        active = False
    if rec is None:
        if not active:
            return None
        rec = AlertRecord(
            fingerprint=fingerprint,
            source=source,
            key=key,
            labels=dict(labels),
            annotations=dict(annotations),
            rule=rule.name,
            status="pending",
            active=True,
            active_since_ms=at_ms,
            updated_at_ms=at_ms,
        )
        _begin(rec, at_ms, rule)
        return rec
    rec.labels, rec.annotations = dict(labels), dict(annotations)
    rec.rule, rec.updated_at_ms = rule.name, max(rec.updated_at_ms, at_ms)
    if active == rec.active:
        return rec
    rec.active = active
    if not active and rec.status == "pending" and not rec.ever_fired:
        return None
    if rec.ever_fired:
        _flip(rec, at_ms, rule)
    if rec.status == "flapping":
        return rec
    if active:
        rec.active_since_ms = at_ms
        _begin(rec, at_ms, rule)
    elif rec.status == "firing":
        rec.status, rec.ends_at_ms = "resolved", at_ms
    else:  # pending again after a resolution, cleared before firing
        rec.status = "resolved"
    return rec


def _begin(rec: AlertRecord, at_ms: int, rule: Rule) -> None:
    rec.fire_at_ms = at_ms + rule.for_ms
    rec.status = "pending"
    if rule.for_ms <= 0:
        _fire(rec, at_ms)


def _fire(rec: AlertRecord, at_ms: int) -> None:
    new_episode = rec.status != "firing"
    rec.status, rec.starts_at_ms, rec.ends_at_ms, rec.ever_fired = "firing", at_ms, 0, True
    if new_episode:
        rec.acked_by, rec.acked_at_ms, rec.silence_counted = "", 0, False


def _flip(rec: AlertRecord, at_ms: int, rule: Rule) -> None:
    flap = rule.flap
    if flap is None:
        rec.flips = []
        return
    rec.flips = [t for t in rec.flips if t > at_ms - flap.window_ms] + [at_ms]
    if rec.status != "flapping" and len(rec.flips) >= flap.transitions:
        if rec.active and rec.status != "firing":  # back from resolved: a new episode
            rec.starts_at_ms, rec.acked_by, rec.acked_at_ms = at_ms, "", 0
        rec.status, rec.flapping_since_ms, rec.ends_at_ms = "flapping", at_ms, 0


def advance(rec: AlertRecord, now_ms: int, rule: Rule) -> int | None:
    """Timed transitions up to ``now_ms``; returns when this record next needs a look."""
    if rec.status == "pending":
        if now_ms >= rec.fire_at_ms:
            _fire(rec, rec.fire_at_ms)
            return None
        return rec.fire_at_ms
    if rec.status == "flapping":
        settle = rule.flap.settle_ms if rule.flap is not None else 0
        last = rec.flips[-1] if rec.flips else rec.flapping_since_ms
        if now_ms < last + settle:
            return last + settle
        rec.flips, rec.flapping_since_ms = [], 0
        if rec.active:
            rec.status = "firing"
        else:
            rec.status, rec.ends_at_ms = "resolved", last
    return None


def acknowledge(rec: AlertRecord, *, by: str, at_ms: int) -> None:
    rec.acked_by, rec.acked_at_ms = by, at_ms


def unacknowledge(rec: AlertRecord) -> None:
    rec.acked_by, rec.acked_at_ms = "", 0
