"""Ingress request samples: request and error counts plus a latency histogram per window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IngressSample:
    controller: str
    namespace: str
    ingress: str
    host: str
    service: str
    window_start_ms: int
    window_end_ms: int
    requests: int = 0
    errors: int = 0
    latency_bounds_ms: tuple[float, ...] = ()
    latency_counts: tuple[int, ...] = ()
    gap: bool = False  # a scrape was missed: the window spans more than one interval
    reset: bool = False  # a counter reset / target restart was handled within the window
    target: str = ""  # the scrape target (namespace/pod or configured name) that saw it
