"""Deltas between scrapes: baselines, resets, vanished targets, gaps -- never negative, never
doubled, and (property) their sum is the true number of requests after the baseline."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agent.ingress_metrics.deltas import step
from agent.ingress_metrics.readings import INF, Reading, SeriesKey
from agent.ingress_metrics.records import to_samples

K = SeriesKey("ingress-nginx", namespace="d", service="s", route="r")
IV = 15_000


def _r(total: int, bad: int = 0, fast: int | None = None) -> Reading:
    return Reading(total, bad, {0.1: total if fast is None else fast, INF: total})


def test_first_scrape_is_a_baseline_without_delta() -> None:
    base, deltas = step(None, {K: _r(100, 5)}, at_ms=0, expected_interval_ms=IV)
    assert deltas == [] and base.readings[K].total == 100


def test_increments_between_scrapes() -> None:
    base, _ = step(None, {K: _r(100, 5, 90)}, at_ms=0, expected_interval_ms=IV)
    _, [d] = step(base, {K: _r(130, 6, 115)}, at_ms=IV, expected_interval_ms=IV)
    assert (d.total, d.bad, dict(d.buckets), d.reset, d.gap) == (
        30,
        1,
        {0.1: 25, INF: 30},
        False,
        False,
    )
    assert (d.start_ms, d.end_ms) == (0, IV)


def test_counter_reset_takes_the_new_value_as_delta() -> None:
    base, _ = step(None, {K: _r(1000, 50)}, at_ms=0, expected_interval_ms=IV)
    _, [d] = step(base, {K: _r(12, 2)}, at_ms=IV, expected_interval_ms=IV)
    assert (d.total, d.bad, d.reset) == (12, 2, True)


def test_bad_going_down_alone_resets_the_whole_key() -> None:
    base, _ = step(None, {K: _r(10, 5)}, at_ms=0, expected_interval_ms=IV)
    _, [d] = step(base, {K: _r(12, 1)}, at_ms=IV, expected_interval_ms=IV)
    assert (d.total, d.bad, d.reset) == (12, 1, True)


def test_missed_scrape_marks_a_gap_and_keeps_every_request() -> None:
    base, _ = step(None, {K: _r(10)}, at_ms=0, expected_interval_ms=IV)
    _, [d] = step(base, {K: _r(40)}, at_ms=3 * IV, expected_interval_ms=IV)
    assert d.gap and d.total == 30 and (d.start_ms, d.end_ms) == (0, 3 * IV)


def test_slightly_late_scrape_is_not_a_gap() -> None:
    base, _ = step(None, {K: _r(10)}, at_ms=0, expected_interval_ms=IV)
    _, [d] = step(base, {K: _r(11)}, at_ms=int(1.5 * IV), expected_interval_ms=IV)
    assert not d.gap


def test_vanished_key_comes_back_without_doubling() -> None:
    base, _ = step(None, {K: _r(10)}, at_ms=0, expected_interval_ms=IV)
    base, none = step(base, {}, at_ms=IV, expected_interval_ms=IV)
    assert none == [] and base.readings[K].total == 10
    _, [d] = step(base, {K: _r(15)}, at_ms=2 * IV, expected_interval_ms=IV)
    assert d.total == 5


def test_new_key_after_baseline_counts_from_zero() -> None:
    other = SeriesKey("ingress-nginx", service="new")
    base, _ = step(None, {K: _r(10)}, at_ms=0, expected_interval_ms=IV)
    _, deltas = step(base, {K: _r(10), other: _r(3, 1)}, at_ms=IV, expected_interval_ms=IV)
    assert {d.key: (d.total, d.bad) for d in deltas} == {K: (0, 0), other: (3, 1)}


def test_records_carry_millisecond_bounds_and_skip_idle_keys() -> None:
    base, _ = step(None, {K: _r(10, 0, 10)}, at_ms=0, expected_interval_ms=IV)
    _, deltas = step(base, {K: _r(14, 1, 12)}, at_ms=IV, expected_interval_ms=IV)
    [s] = to_samples(deltas)
    assert (s.requests, s.errors, s.latency_bounds_ms, s.latency_counts) == (
        4,
        1,
        (100.0, INF),
        (2, 4),
    )
    _, idle = step(base, {K: _r(10, 0, 10)}, at_ms=IV, expected_interval_ms=IV)
    assert to_samples(idle) == []


# A run: each step serves n requests (b of them bad), optionally right after a controller
# restart (counters start again from zero), and its scrape may be missed. A restart happens
# just after a scrape that was taken, so nothing served before it is unseen.
_steps = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.booleans(), st.booleans()),
    min_size=1,
    max_size=40,
)


@given(start=st.integers(0, 10_000), run=_steps)
def test_sum_of_deltas_equals_true_increments_across_resets(
    start: int, run: list[tuple[int, int, bool, bool]]
) -> None:
    total, bad = start, start // 3
    base, _ = step(None, {K: _r(total, bad)}, at_ms=0, expected_interval_ms=IV)
    last_read = (total, bad)
    seen_total = seen_bad = 0
    at, prev_missed, pending_restart, exact = 0, False, False, True
    for n, b_raw, restart, missed in run:
        b = min(b_raw, n)
        if restart and not prev_missed:
            total = bad = 0
            pending_restart = True
        total, bad = total + n, bad + b
        at += IV
        prev_missed = missed
        if missed:
            continue
        if pending_restart and total >= last_read[0] and bad >= last_read[1]:
            # Restarted and overtook the last reading between two scrapes: no scraper can
            # see that (Prometheus' rate() has the same blind spot).
            exact = False
        pending_restart = False
        last_read = (total, bad)
        base, deltas = step(base, {K: _r(total, bad)}, at_ms=at, expected_interval_ms=IV)
        for d in deltas:
            assert 0 <= d.bad <= d.total
            assert all(v >= 0 for v in d.buckets.values())
            seen_total += d.total
            seen_bad += d.bad
    if exact:
        assert seen_total == _served_until_last_scrape(run)
        assert seen_bad == _served_until_last_scrape(run, bad=True)


def _served_until_last_scrape(run: list[tuple[int, int, bool, bool]], *, bad: bool = False) -> int:
    last = max((i for i, s in enumerate(run) if not s[3]), default=-1)
    return sum(min(b, n) if bad else n for n, b, _, _ in run[: last + 1])
