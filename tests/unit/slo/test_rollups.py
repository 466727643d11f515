"""Roll-ups minute -> hour -> local day lose nothing, and range sums agree with plain sums."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from master.slo.counts import HOUR_MS, MINUTE_MS, Count, Series, hour_starts, roll_up
from master.slo.windows import DAY_MS, local_day_starts, period_bounds

_minutes = st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60 - 1), st.integers(0, 50), st.integers(0, 50)),
    max_size=200,
)


def _counts(raw: list[tuple[int, int, int]]) -> list[Count]:
    return [Count(m * MINUTE_MS, min(g, t), t) for m, g, t in raw]


@given(raw=_minutes)
def test_minute_to_hour_to_day_keeps_every_request(raw: list[tuple[int, int, int]]) -> None:
    counts = _counts(raw)
    hours = roll_up(counts, hour_starts(0, 3 * DAY_MS))
    days = roll_up(hours, local_day_starts(0, 3 * DAY_MS, "UTC"))
    for level in (hours, days):
        assert sum(c.total for c in level) == sum(c.total for c in counts)
        assert sum(c.good for c in level) == sum(c.good for c in counts)


@given(raw=_minutes, a=st.integers(0, 3 * DAY_MS), span=st.integers(0, DAY_MS))
def test_range_sums_match_plain_sums(raw: list[tuple[int, int, int]], a: int, span: int) -> None:
    counts = _counts(raw)
    got = Series(counts).sum(a, a + span)
    inside = [c for c in counts if a <= c.start_ms < a + span]
    assert (got.good, got.total) == (sum(c.good for c in inside), sum(c.total for c in inside))


def test_hours_roll_up_into_local_days_across_the_dst_change() -> None:
    start, end = period_bounds("2026-10", "Europe/Berlin")
    hours = [Count(start + h * HOUR_MS, 10, 10) for h in range((end - start) // HOUR_MS)]
    days = roll_up(hours, local_day_starts(start, end, "Europe/Berlin"))
    assert len(days) == 31
    assert [d.total for d in days].count(250) == 1  # 25 October has 25 hours
    assert all(d.total == 240 for i, d in enumerate(days) if i != 24)
