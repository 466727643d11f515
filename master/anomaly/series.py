"""The series shape every detector reads: time-ordered ``Point`` values in seconds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Point:
    t_s: float  # unix seconds
    value: float


Series = Sequence[Point]


def since(series: Series, start_s: float) -> list[Point]:
    """The points at or after ``start_s`` (``series`` is time-ordered)."""
    return [p for p in series if p.t_s >= start_s]


def before(series: Series, end_s: float) -> list[Point]:
    """The points strictly before ``end_s``."""
    return [p for p in series if p.t_s < end_s]


def span_s(series: Series) -> float:
    """Seconds from the first point to the last; 0 for fewer than two."""
    return series[-1].t_s - series[0].t_s if len(series) >= 2 else 0.0


def values(series: Series) -> list[float]:
    return [p.value for p in series]
