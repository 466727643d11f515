"""Recent ingress samples per service/route of one cluster: a bounded ring each, in memory.

The SLO service reads its current window from here until per-minute counts are stored
(issue 18: storage and roll-ups come with migrations later; the raw rows already reach the
store through the journal). A ring keeps the last ``ingress_samples_per_series`` samples of one
(controller, namespace, service, route) -- 240 by default, an hour at the agent's 15 s -- and
forgets the oldest as new ones arrive: the ring is a view of the recent past, not history.
New series past ``ingress_series`` are refused (a ``LimitHit``, as for nodes): what is held
stays true, what is missing is named. Samples from several scrape targets of one route (the
controller's replicas) share its ring: they are deltas and add up."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from shared.domain.ingress import IngressSample

IngressKey = tuple[str, str, str, str]  # (controller, namespace, service, route)
Rings = dict[IngressKey, deque[IngressSample]]


def key_of(s: IngressSample) -> IngressKey:
    return (s.controller, s.namespace, s.service, s.ingress)


def hold(rings: Rings, samples: Iterable[IngressSample], *, series: int, per_series: int) -> int:
    """Append ``samples`` to their rings; returns how many were refused for a new series."""
    refused = 0
    for s in samples:
        key = key_of(s)
        ring = rings.get(key)
        if ring is None:
            if len(rings) >= series:
                refused += 1
                continue
            ring = rings[key] = deque(maxlen=per_series)
        ring.append(s)
    return refused
