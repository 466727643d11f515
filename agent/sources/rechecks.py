"""The recheck set: which objects the object path keeps (trimmed) to re-judge without a new
watch event, and when a re-judgement may be skipped.

An object is held while it is unhealthy or has findings (or always, for kinds whose findings
depend on other objects: ``SourceSpec.recheck_always``), so duration rules fire and stale
conditions resolve on the recheck timer. The set is bounded (``recheck_max_objects``): past it,
new objects are judged on change only. For kinds that name their detector's inputs
(``SourceSpec.recheck_inputs``: Services), a held object whose last verdict found nothing is
re-judged only once one of those inputs changed (the index's change clock) or a duration that
verdict saw pending came due.

Owns the held entries and those rules. Does not own judging or the pass over the set
(``agent.sources.pipeline``), the change clock (``agent.detect.context.IndexContext``) or the
timer (``agent.sources.running``).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from agent.sources.spec import ChangeClock, Raw, SourceSpec
from agent.sources.trimming import trim_raw
from shared.domain.findings import Finding
from shared.domain.resources import Health
from shared.logs import RateLimited

log = logging.getLogger(__name__)

HeldKey = tuple[str, str, str]  # (kind, namespace, name)


@dataclass(slots=True)
class Held:
    """An object kept for rechecks: its trimmed raw form, its projection's own health (the
    raw form does not change while held, so a recheck need not project it again), the
    health last sent, and for kinds with ``recheck_inputs`` when a recheck may be skipped:
    ``quiet_at`` is the change clock's tick of a verdict without findings (-1: none),
    ``due_ms`` when a duration that verdict saw pending comes due."""

    spec: SourceSpec
    raw: Raw
    status_health: Health
    health: Health
    quiet_at: int = -1
    due_ms: float = math.inf

    def note_verdict(self, tick: int, findings: list[Finding], deadlines: list[float]) -> None:
        """Remember a verdict without findings for kinds whose rechecks may skip. A verdict
        with findings is always re-judged: the tracker needs to see it go."""
        if self.spec.recheck_inputs is None or findings:
            self.quiet_at, self.due_ms = -1, math.inf
        else:
            # A ms early: the detector's own comparison is on floats.
            self.quiet_at, self.due_ms = tick, min(deadlines, default=math.inf) - 1

    def unchanged(self, clock: ChangeClock, now: int) -> bool:
        """Nothing its detector reads changed since a quiet verdict and no duration came due:
        a recheck would give the same verdict."""
        inputs = self.spec.recheck_inputs
        return (
            inputs is not None
            and self.quiet_at >= 0
            and now < self.due_ms
            and inputs(self.raw, clock) <= self.quiet_at
        )


def wanted(spec: SourceSpec, health: Health, findings: list[Finding]) -> bool:
    """Whether a verdict keeps the object in the recheck set."""
    unhealthy = health != "ok" and spec.hold_unhealthy
    return spec.recheck_always or bool(findings) or unhealthy


class RecheckSet:
    """The held objects, by (kind, namespace, name), bounded by ``max_objects``."""

    def __init__(self, *, max_objects: int) -> None:
        self.max_objects = max_objects
        self.held: dict[HeldKey, Held] = {}
        self._full_log = RateLimited(every_s=300.0)

    def hold(
        self,
        spec: SourceSpec,
        key: HeldKey,
        obj: Raw,
        *,
        status_health: Health,
        health: Health,
    ) -> Held | None:
        """Keep (or replace) ``obj`` for rechecks; None when the set is full."""
        if key not in self.held and len(self.held) >= self.max_objects:
            if self._full_log.ready(time.monotonic()):
                log.warning(
                    "recheck set full (%d objects): %s judged on change only",
                    len(self.held),
                    "/".join(key),
                )
            return None
        held = self.held[key] = Held(spec, trim_raw(obj), status_health, health)
        return held

    def drop(self, key: HeldKey) -> None:
        self.held.pop(key, None)
