"""Synthetic metric series with known labels, for the anomaly detectors' tests and bench.

Deterministic (a seeded ``random.Random``): the same seed gives the same series, so a test or a
precision/recall figure does not move between runs. Shapes: quiet noise, a daily cycle, a
garbage collector's sawtooth, a one-off step (a deploy), and the injected anomalies (a leak, a
pinned CPU, a filling disk)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from master.anomaly.series import Point

MiB = 2**20
DAY = 86400.0


def points(start_s: float, end_s: float, step_s: float, f: Callable[[float], float]) -> list[Point]:
    n = int((end_s - start_s) // step_s) + 1
    return [Point(start_s + i * step_s, f(start_s + i * step_s)) for i in range(n)]


def quiet(
    rng: random.Random,
    *,
    level: float,
    noise: float,
    start_s: float,
    end_s: float,
    step_s: float = 30.0,
) -> list[Point]:
    return points(start_s, end_s, step_s, lambda t: level * (1 + rng.gauss(0, noise)))


def daily(
    rng: random.Random,
    *,
    level: float,
    swing: float,
    noise: float,
    start_s: float,
    end_s: float,
    step_s: float = 300.0,
) -> list[Point]:
    """A daily cycle (peak mid-afternoon UTC) of +/- ``swing`` of ``level``."""

    def at(t: float) -> float:
        phase = 2 * math.pi * ((t % DAY) / DAY - 14 / 24)
        return level * (1 + swing * math.cos(phase) + rng.gauss(0, noise))

    return points(start_s, end_s, step_s, at)


def sawtooth(
    rng: random.Random,
    *,
    low: float,
    high: float,
    period_s: float,
    start_s: float,
    end_s: float,
    step_s: float = 30.0,
) -> list[Point]:
    """Heap filling then collected: rises from ``low`` to ``high`` every ``period_s``."""
    offset = rng.uniform(0, period_s)
    return points(
        start_s,
        end_s,
        step_s,
        lambda t: (
            low + (high - low) * (((t + offset) % period_s) / period_s) + rng.gauss(0, 0.005 * high)
        ),
    )


def step(
    rng: random.Random,
    *,
    before: float,
    after: float,
    at_s: float,
    noise: float,
    start_s: float,
    end_s: float,
    step_s: float = 30.0,
) -> list[Point]:
    return points(
        start_s,
        end_s,
        step_s,
        lambda t: (before if t < at_s else after) * (1 + rng.gauss(0, noise)),
    )


def leak(
    rng: random.Random,
    *,
    base: float,
    per_s: float,
    noise: float,
    start_s: float,
    end_s: float,
    step_s: float = 30.0,
) -> list[Point]:
    return points(
        start_s,
        end_s,
        step_s,
        lambda t: base + per_s * (t - start_s) + rng.gauss(0, noise * base),
    )
