"""SLI and error budget. Everything is a fraction (0.999, not 99.9) -- mixing percent and
fraction is how a burn rate ends up 100x too high.

The budget is defined by the objective: over a window with N requests, (1 - objective) x N
requests may fail; as time, (1 - objective) x the window's length may be "bad time". Consumed
is bad / allowed; with no traffic nothing is consumed and the SLI is undefined (None)."""

from __future__ import annotations

from dataclasses import dataclass

from master.slo.counts import Totals


@dataclass(frozen=True, slots=True)
class Budget:
    sli: float | None  # good / total; None without traffic
    allowed_bad: float  # requests
    bad: int
    consumed: float  # fraction of the budget used (may exceed 1)
    remaining: float  # 1 - consumed (negative when overspent)
    remaining_requests: float
    window_ms: int
    allowed_ms: float  # the budget as time
    consumed_ms: float
    remaining_ms: float


def sli(t: Totals) -> float | None:
    return t.good / t.total if t.total else None


def budget(t: Totals, *, objective: float, window_ms: int) -> Budget:
    allowed = (1.0 - objective) * t.total
    consumed = t.bad / allowed if allowed > 0 else 0.0
    allowed_ms = (1.0 - objective) * window_ms
    return Budget(
        sli=sli(t),
        allowed_bad=allowed,
        bad=t.bad,
        consumed=consumed,
        remaining=1.0 - consumed,
        remaining_requests=allowed - t.bad,
        window_ms=window_ms,
        allowed_ms=allowed_ms,
        consumed_ms=consumed * allowed_ms,
        remaining_ms=(1.0 - consumed) * allowed_ms,
    )
