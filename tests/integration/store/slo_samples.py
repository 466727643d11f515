"""Ingress samples and SLOs for the SLO count store tests: fixed, hand-countable traffic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from master.slo.counts import Count
from master.slo.definitions import SliType, Slo
from master.store import Store
from master.store.repositories.conversions import ingress_row
from master.store.schema.tables import ingress_samples, slo_counts, slo_state
from shared.domain.ingress import IngressSample

INF = float("inf")
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
AVAIL = Slo(name="web-avail", cluster="c1", service="web", objective=0.99)
LATENCY = Slo(
    name="web-fast",
    cluster="c1",
    service="web",
    objective=0.95,
    sli=SliType.LATENCY,
    threshold_s=0.25,
)


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def sample(
    end_ms: int,
    requests: int,
    errors: int = 0,
    *,
    service: str = "web",
    route: str = "web",
    namespace: str = "shop",
    bounds_ms: tuple[float, ...] = (100.0, 250.0, 500.0, INF),
    counts: tuple[int, ...] | None = None,
) -> IngressSample:
    return IngressSample(
        controller="nginx",
        namespace=namespace,
        ingress=route,
        host="shop.example",
        service=service,
        window_start_ms=end_ms - 15_000,
        window_end_ms=end_ms,
        requests=requests,
        errors=errors,
        latency_bounds_ms=bounds_ms,
        latency_counts=counts if counts is not None else (requests,) * len(bounds_ms),
    )


async def put(
    store: Store, samples: Sequence[IngressSample], *, received_ms: int, cluster: str = "c1"
) -> None:
    """Rows as the journal writes them, with a chosen master clock."""
    rows = [ingress_row(cluster, s, received_ms=received_ms) for s in samples]
    async with store.engine.begin() as conn:
        await conn.execute(insert(ingress_samples), rows)


def plain(counts: Sequence[Count]) -> list[tuple[int, int, int]]:
    return [(c.start_ms, c.good, c.total) for c in counts]


async def everything(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    t, st = slo_counts, slo_state
    async with store.engine.connect() as conn:
        counts = (
            await conn.execute(select(t).order_by(t.c.slo, t.c.resolution, t.c.start_ms))
        ).all()
        states = (await conn.execute(select(st).order_by(st.c.slo))).all()
    return [tuple(r) for r in counts], [tuple(r) for r in states]


# 2026-11-02 (a Monday, no DST nearby): two hours and the next day.
M1000, M1001, M1159 = utc("2026-11-02T10:00"), utc("2026-11-02T10:01"), utc("2026-11-02T11:59")
NEXT = utc("2026-11-03T00:00")
DAY1, DAY2 = utc("2026-11-02T00:00"), utc("2026-11-03T00:00")
TRAFFIC = [
    sample(M1000 + 5_000, 100, 1),
    sample(M1000 + 20_000, 50, 0),
    sample(M1001, 10, 10),  # ends exactly on the minute: booked to 10:01
    sample(M1159 + 59_999, 7, 2),
    sample(NEXT + 30_000, 3, 0),
]
NOISE = [
    sample(M1000 + 5_000, 1_000, 1_000, service="api"),  # another service
]


async def seed(store: Store) -> None:
    await put(store, TRAFFIC + NOISE, received_ms=NEXT + HOUR)
    await put(store, [sample(M1000 + 5_000, 500, 500)], received_ms=NEXT + HOUR, cluster="c2")
