"""What an SLO is. Frozen values; validation raises ``DefinitionError`` naming the field."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from master.slo.errors import DefinitionError


class SliType(StrEnum):
    AVAILABILITY = "availability"  # good = not bad (5xx by default, decided on the agent)
    LATENCY = "latency"  # good = answered within the threshold


@dataclass(frozen=True, slots=True)
class Rolling:
    days: int


@dataclass(frozen=True, slots=True)
class Calendar:
    unit: str  # "month" or "quarter"
    tz: str = "UTC"


Window = Rolling | Calendar


@dataclass(frozen=True, slots=True)
class BurnRule:
    """Fire when both windows burn at ``factor`` or faster (SRE workbook, chapter 5)."""

    severity: str  # "page" or "ticket"
    long_s: int
    short_s: int
    factor: float


WORKBOOK_RULES: tuple[BurnRule, ...] = (
    BurnRule("page", 3600, 300, 14.4),  # 2 % of a 30-day budget in one hour
    BurnRule("page", 6 * 3600, 1800, 6.0),  # 5 % in six hours
    BurnRule("ticket", 24 * 3600, 2 * 3600, 3.0),  # 10 % in a day
    BurnRule("ticket", 3 * 24 * 3600, 6 * 3600, 1.0),  # 10 % in three days
)


@dataclass(frozen=True, slots=True)
class Guard:
    """Low-traffic guard: below these counts in the long window a rule cannot fire -- three
    requests with one error is a 33 % error rate and means nothing."""

    min_requests: int = 100
    min_bad: int = 5


@dataclass(frozen=True, slots=True)
class Slo:
    name: str
    cluster: str
    service: str
    objective: float  # fraction, e.g. 0.999
    sli: SliType = SliType.AVAILABILITY
    route: str = ""  # the Ingress / HTTPRoute name; empty: every route to the service
    namespace: str = ""  # the service's namespace; empty: the service's name in any namespace
    threshold_s: float | None = None  # latency only; must be a bucket boundary
    window: Window = field(default_factory=lambda: Rolling(30))
    owner: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[BurnRule, ...] = WORKBOOK_RULES
    guard: Guard = field(default_factory=Guard)

    def __post_init__(self) -> None:
        if not self.name:
            raise DefinitionError("name", "must not be empty")
        if not 0.0 < self.objective < 1.0:
            raise DefinitionError("objective", f"{self.objective} is not a fraction in (0, 1)")
        if self.sli is SliType.LATENCY and (self.threshold_s is None or self.threshold_s <= 0):
            raise DefinitionError("threshold_s", "a latency SLO needs a positive threshold")
        if isinstance(self.window, Rolling) and self.window.days not in (7, 28, 30):
            raise DefinitionError("window.days", f"{self.window.days}: expected 7, 28 or 30")
        if isinstance(self.window, Calendar) and self.window.unit not in ("month", "quarter"):
            raise DefinitionError("window.unit", f"{self.window.unit!r}: expected month or quarter")

    @property
    def budget_fraction(self) -> float:
        return 1.0 - self.objective


def check_threshold(threshold_s: float, bounds_s: Sequence[float]) -> float:
    """The threshold if it is a bucket boundary; otherwise a ``DefinitionError`` naming the
    nearest boundaries, because a share between bounds would be a guess."""
    bounds = sorted(b for b in bounds_s if b != float("inf"))
    for b in bounds:
        if abs(b - threshold_s) <= 1e-9 * max(1.0, b):
            return b
    i = bisect.bisect_left(bounds, threshold_s)
    near = [f"{b:g}" for b in bounds[max(0, i - 1) : i + 1]]
    raise DefinitionError(
        "threshold_s", f"{threshold_s:g} s is not a bucket boundary; nearest: {', '.join(near)}"
    )
