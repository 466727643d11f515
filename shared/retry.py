"""Retry policy as data: capped exponential backoff with full jitter.

Full jitter (a uniform draw in [0, cap]) spreads a fleet of agents that lost the master at the
same moment, so they do not reconnect in lockstep."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 0.5
    factor: float = 2.0
    max_s: float = 30.0
    jitter: float = 1.0  # 1.0 = full jitter, 0.0 = none

    def delay(self, attempt: int, rand: random.Random | None = None) -> float:
        """Delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_s, self.initial_s * (self.factor ** max(0, attempt)))
        r = (rand or _RANDOM).random()
        return ceiling * (1.0 - self.jitter * r)


_RANDOM = random.Random()
