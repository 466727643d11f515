"""Pure pieces of the SLO count store: the definition hash, ``slo_counts`` rows <-> ``Count``,
``ingress_samples`` rows -> ``IngressSample``, and the periods a minute rolls up into.

Bucket bounds are stored as ``repr`` of the float (``"0.25"``), the open bucket as ``"+Inf"``
(Prometheus' spelling), so a bound reads back as exactly the float that was written and a
``Count`` compares equal to its stored self; ``ingress_samples.latency_json`` holds the open
bound as ``null`` (JSON has no infinity), which is read back as infinity."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from master.slo.counts import HOUR_MS, MINUTE_MS, Count
from master.slo.definitions import SliType, Slo, check_threshold
from master.slo.errors import DefinitionError
from master.slo.windows import DAY_MS, local_day_starts
from shared.domain.ingress import IngressSample

INF = float("inf")
INF_KEY = "+Inf"


def definition_hash(slo: Slo, tz: str) -> str:
    """What the stored counts depend on: which samples match, how one is judged, and where
    local days start. Objective, window and alerting are not in it -- changing them reads the
    same counts differently, so nothing is rebuilt."""
    basis = [slo.cluster, slo.namespace, slo.service, slo.route, slo.sli.value, slo.threshold_s, tz]
    return hashlib.sha256(orjson.dumps(basis)).hexdigest()


def buckets_json(buckets: Mapping[float, int]) -> str:
    doc = {(INF_KEY if le == INF else repr(le)): n for le, n in sorted(buckets.items())}
    return orjson.dumps(doc).decode()


def parse_buckets(text: str) -> dict[float, int]:
    doc: dict[str, int] = orjson.loads(text)
    return {(INF if k == INF_KEY else float(k)): int(n) for k, n in doc.items()}


def count_row(slo: str, resolution: str, c: Count) -> dict[str, Any]:
    return {
        "slo": slo,
        "resolution": resolution,
        "start_ms": c.start_ms,
        "good": c.good,
        "total": c.total,
        "buckets_json": buckets_json(c.buckets),
    }


def count_of(row: Any) -> Count:
    return Count(int(row.start_ms), int(row.good), int(row.total), parse_buckets(row.buckets_json))


def sample_of(row: Any) -> IngressSample:
    """An ``ingress_samples`` row as the domain value ``master.slo.intake`` reads."""
    latency = orjson.loads(row.latency_json)
    bounds = tuple(INF if b is None else float(b) for b in latency.get("bounds_ms", ()))
    return IngressSample(
        controller=row.controller,
        namespace=row.namespace,
        ingress=row.ingress,
        host=row.host,
        service=row.service,
        window_start_ms=int(row.window_start_ms),
        window_end_ms=int(row.window_end_ms),
        requests=int(row.requests),
        errors=int(row.errors),
        latency_bounds_ms=bounds,
        latency_counts=tuple(int(n) for n in latency.get("counts", ())),
    )


def countable(slo: Slo, s: IngressSample) -> bool:
    """A latency SLO can only judge a sample whose histogram has the threshold as a bound
    (a controller reconfigured with other buckets, or a sample without any); such a sample is
    left out of good and total alike rather than guessed at."""
    if slo.sli is not SliType.LATENCY:
        return True
    assert slo.threshold_s is not None  # checked by Slo
    try:
        check_threshold(slo.threshold_s, [b / 1000.0 for b in s.latency_bounds_ms])
    except DefinitionError:
        return False
    return len(s.latency_bounds_ms) == len(s.latency_counts)


def stored(slo: Slo, c: Count) -> Count:
    """What is kept of a minute: availability needs no buckets (a tenth of the row's size)."""
    return c if slo.sli is SliType.LATENCY else Count(c.start_ms, c.good, c.total)


def minute_of(ms: int) -> int:
    return ms - ms % MINUTE_MS


def hour_of(ms: int) -> int:
    return ms - ms % HOUR_MS


def local_day(ms: int, tz: str) -> tuple[int, int]:
    """[start, end) of the local day in ``tz`` that contains ``ms`` (23, 24 or 25 hours long,
    starting at any offset: Asia/Kolkata's days start at 18:30 UTC)."""
    starts = local_day_starts(ms - 2 * DAY_MS, ms + 2 * DAY_MS, tz)
    i = bisect.bisect_right(starts, ms) - 1
    return starts[i], starts[i + 1]


def whole_hours(start_ms: int, end_ms: int) -> tuple[int, int]:
    """[first, last) of the UTC hours lying entirely inside [start, end): a day sums these
    hours plus the minutes of its partial edges (none unless the zone's offset has minutes)."""
    first = -(-start_ms // HOUR_MS) * HOUR_MS
    last = end_ms - end_ms % HOUR_MS
    return (first, last) if first < last else (start_ms, start_ms)


def runs(minutes: Sequence[int], *, most: int) -> list[tuple[int, int]]:
    """Sorted minute starts -> [start, end) ranges of consecutive minutes, each at most
    ``most`` minutes long: one range is read with one indexed query."""
    out: list[tuple[int, int]] = []
    for m in minutes:
        if out and out[-1][1] == m and (m - out[-1][0]) // MINUTE_MS < most:
            out[-1] = (out[-1][0], m + MINUTE_MS)
        else:
            out.append((m, m + MINUTE_MS))
    return out
