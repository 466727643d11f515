"""SLO maths against hand-computed values: availability, latency, budgets, windows, roll-ups,
counter resets and missed scrapes carried from the agent's deltas, zero-traffic hours, and a
31-day month with a DST change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.ingress_metrics.deltas import step
from agent.ingress_metrics.readings import INF, Reading, SeriesKey
from agent.ingress_metrics.records import to_samples
from master.slo.budget import budget, sli
from master.slo.burn import burn_rates
from master.slo.counts import HOUR_MS, MINUTE_MS, Count, Series, Totals, hour_starts, roll_up
from master.slo.definitions import Calendar, Rolling, SliType, Slo
from master.slo.errors import DefinitionError, PeriodError
from master.slo.intake import minute_counts
from master.slo.latency import quantile, share_under
from master.slo.reports import report
from master.slo.windows import DAY_MS, local_day_starts, period_bounds, window_bounds
from shared.domain.ingress import IngressSample

BUCKETS = {0.1: 80, 0.5: 96, INF: 100}


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)  # type: ignore[misc]


def test_availability_sli_and_budget_in_requests_and_time() -> None:
    b = budget(Totals(good=9993, total=10_000), objective=0.999, window_ms=30 * DAY_MS)
    assert b.sli == pytest.approx(0.9993)
    assert b.allowed_bad == pytest.approx(10.0)
    assert b.consumed == pytest.approx(0.7) and b.remaining == pytest.approx(0.3)
    assert b.remaining_requests == pytest.approx(3.0)
    assert b.allowed_ms == pytest.approx(2_592_000)  # 43.2 minutes of a 30-day window
    assert b.consumed_ms == pytest.approx(1_814_400)


def test_burn_rate_is_a_ratio_of_fractions_not_percent() -> None:
    s = Series([Count(0, good=980, total=1000)])
    rates = burn_rates(s, 0.999, now_ms=MINUTE_MS)
    assert rates["5m"] == pytest.approx(20.0)  # 2 % errors / 0.1 % budget; atlhyper said 2000


def test_latency_share_uses_the_bucket_boundary_and_shows_it() -> None:
    share = share_under(BUCKETS, 0.5)
    assert (share.good, share.total, share.bound_s, share.share) == (96, 100, 0.5, 0.96)


def test_latency_threshold_off_a_boundary_is_refused_with_the_nearest() -> None:
    with pytest.raises(DefinitionError, match=r"threshold_s: 0.3 s .* nearest: 0.1, 0.5"):
        share_under(BUCKETS, 0.3)


def test_percentiles_are_interpolated_with_their_bucket_bounds() -> None:
    p50, p95, p99 = (quantile(BUCKETS, q) for q in (0.5, 0.95, 0.99))
    assert p50 is not None and (p50.value_s, p50.lower_s, p50.upper_s) == (
        pytest.approx(0.0625),
        0.0,
        0.1,
    )
    assert p95 is not None and (p95.value_s, p95.lower_s, p95.upper_s) == (
        pytest.approx(0.475),
        0.1,
        0.5,
    )
    assert p99 is not None and (p99.lower_s, p99.upper_s) == (0.5, INF)  # beyond the last bound


def _samples(
    readings: list[tuple[int, int, int]], *, missed: frozenset[int] = frozenset()
) -> list[IngressSample]:
    """Cumulative readings every 15 s through the agent's delta step; gaps go to out_gaps."""
    key = SeriesKey("ingress-nginx", namespace="shop", service="cart", route="cart")
    base = None
    out = []
    for i, (total, bad, fast) in enumerate(readings):
        if i in missed:
            continue
        r = Reading(total, bad, {0.25: fast, INF: total})
        base, deltas = step(base, {key: r}, at_ms=i * 15_000, expected_interval_ms=15_000)
        out.extend(to_samples(deltas))
        out_gaps.extend(d.gap for d in deltas)
    return out


out_gaps: list[bool] = []


def test_counter_reset_mid_series_keeps_the_sli_exact() -> None:
    # cumulative: 100/1 (baseline), 160/2, restart → 20/1, 50/1: deltas 60/1, 20/1, 30/0
    samples = _samples([(100, 1, 90), (160, 2, 150), (20, 1, 18), (50, 1, 45)])
    slo = Slo("cart", "c1", "cart", 0.99)
    [c] = minute_counts(slo, samples)
    assert (c.good, c.total) == (108, 110)
    lat = Slo("cart-fast", "c1", "cart", 0.9, sli=SliType.LATENCY, threshold_s=0.25)
    [c] = minute_counts(lat, samples)
    assert (c.good, c.total) == (60 + 18 + 27, 110)


def test_missed_scrape_is_a_gap_and_loses_no_request() -> None:
    out_gaps.clear()
    samples = _samples([(0, 0, 0), (10, 1, 10), (25, 1, 25), (40, 2, 40)], missed=frozenset({2}))
    assert out_gaps == [False, True]
    slo = Slo("cart", "c1", "cart", 0.99)
    assert sum(c.total for c in minute_counts(slo, samples)) == 40
    assert sum(c.bad for c in minute_counts(slo, samples)) == 2


def test_zero_traffic_hour_adds_nothing_and_burns_nothing() -> None:
    counts = [Count(m * MINUTE_MS, 99, 100) for m in range(60)]
    counts += [Count(2 * HOUR_MS + m * MINUTE_MS, 100, 100) for m in range(60)]
    hours = roll_up(counts, hour_starts(0, 3 * HOUR_MS))
    assert [(h.start_ms, h.good, h.total) for h in hours] == [
        (0, 5940, 6000),
        (2 * HOUR_MS, 6000, 6000),
    ]
    s = Series(counts)
    assert sli(s.sum(HOUR_MS, 2 * HOUR_MS)) is None
    assert burn_rates(s, 0.99, now_ms=2 * HOUR_MS)["1h"] == 0.0
    # the empty hour does not dilute the rate: 60 bad of 6000 is 1 % errors = burn 1.0
    assert burn_rates(s, 0.99, now_ms=2 * HOUR_MS)["2h"] == pytest.approx(1.0)
    b = budget(s.sum(0, 3 * HOUR_MS), objective=0.99, window_ms=3 * HOUR_MS)
    assert b.consumed == pytest.approx(60 / 120)


def test_31_day_month_with_dst_change_in_its_time_zone() -> None:
    start, end = period_bounds("2026-10", "Europe/Berlin")
    assert start == _ms(2026, 9, 30, 22) and end == _ms(2026, 10, 31, 23)
    assert (end - start) // HOUR_MS == 745  # 31 days and the hour given back on 25 October
    days = local_day_starts(start, end, "Europe/Berlin")
    assert len(days) == 31 and days[25] - days[24] == 25 * HOUR_MS
    b = budget(Totals(0, 0), objective=0.999, window_ms=end - start)
    assert b.allowed_ms == pytest.approx(2_682_000)  # 44.7 minutes
    slo = Slo("web", "c1", "web", 0.999, window=Calendar("month", "Europe/Berlin"))
    assert window_bounds(slo.window, _ms(2026, 10, 25, 12)) == (start, end)
    # every local day gets 1000 requests; 25 October (the long day) also 3 errors
    counts = [
        Count(d + HOUR_MS, 1000 - (3 if i == 24 else 0), 1000, {0.1: 900, INF: 1000})
        for i, d in enumerate(days)
    ]
    r = report(slo, counts, period="2026-10", tz="Europe/Berlin")
    assert (r.good, r.total, r.met) == (30_997, 31_000, True)
    assert r.achieved == pytest.approx(30_997 / 31_000)
    assert r.budget_consumed == pytest.approx(3 / 31)
    assert r.worst_days[0].day_start_ms == days[24] == _ms(2026, 10, 24, 22)
    assert r.latency["p50"] is not None and r.latency["p50"].upper_s == 0.1


def test_quarter_period_and_bad_periods() -> None:
    start, end = period_bounds("2026-Q4", "UTC")
    assert (start, end) == (_ms(2026, 10, 1), _ms(2027, 1, 1))
    with pytest.raises(PeriodError):
        period_bounds("2026-13")


def test_definition_errors_name_the_field() -> None:
    with pytest.raises(DefinitionError, match=r"^objective") as e:
        Slo("x", "c", "s", 99.9)
    assert e.value.field == "objective"
    with pytest.raises(DefinitionError, match=r"window\.days"):
        Slo("x", "c", "s", 0.99, window=Rolling(14))
