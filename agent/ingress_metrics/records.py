"""Deltas → ``IngressSample`` journal records (the ``IngressSamples`` frame). Bounds travel in
milliseconds as the frame says; ``+Inf`` is kept as the last bound so the counts stay
cumulative and the last one equals the window's requests. The delta's ``gap`` and ``reset``
marks travel as they are, so the master can tell an idle route from a missed scrape and a
clean window from one cut by a controller restart."""

from __future__ import annotations

from collections.abc import Iterable

from agent.ingress_metrics.deltas import Delta
from shared.domain.ingress import IngressSample


def to_sample(d: Delta) -> IngressSample:
    bounds = sorted(d.buckets)
    return IngressSample(
        controller=d.key.controller,
        namespace=d.key.namespace,
        ingress=d.key.route,
        host=d.key.host,
        service=d.key.service,
        window_start_ms=d.start_ms,
        window_end_ms=d.end_ms,
        requests=d.total,
        errors=d.bad,
        latency_bounds_ms=tuple(le * 1000.0 for le in bounds),
        latency_counts=tuple(d.buckets[le] for le in bounds),
        gap=d.gap,
        reset=d.reset,
        target=d.target,
    )


def to_samples(deltas: Iterable[Delta]) -> list[IngressSample]:
    """Deltas with nothing in them are not sent -- an idle route costs no wire bytes -- unless
    they carry a mark: an idle window over a missed scrape or a reset must still be seen."""
    return [to_sample(d) for d in deltas if d.total or d.reset or d.gap]
