"""time_intervals evaluated in a zone: wall-clock fields follow daylight saving time; days of
month count from the end; weekday ranges may wrap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from master.alerts.config import load_config
from master.alerts.timeintervals import compile_time_intervals

CONFIG = """\
route: {receiver: a}
receivers: [{name: a}]
time_zone: Europe/Berlin
time_intervals:
  - name: early
    time_intervals:
      - times: [{start_time: "02:00", end_time: "04:00"}]
  - name: month-end
    time_intervals:
      - days_of_month: ["-2:-1"]
  - name: weekend
    time_intervals:
      - weekdays: ["saturday:sunday"]
  - name: new-york-office
    time_intervals:
      - weekdays: ["monday:friday"]
        times: [{start_time: "09:00", end_time: "17:00"}]
        location: America/New_York
  - name: q1-2027
    time_intervals:
      - months: ["january:march"]
        years: ["2027"]
"""
INTERVALS = compile_time_intervals(load_config(CONFIG))


def _at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("name", "utc", "inside"),
    [
        # 02:00-04:00 Berlin: 01:00-03:00 UTC in winter, 00:00-02:00 UTC in summer
        ("early", "2026-03-28T01:30", True),  # Saturday, CET: 02:30
        ("early", "2026-03-28T03:00", False),  # CET: 04:00, end is exclusive
        ("early", "2026-03-30T00:30", True),  # Monday after the switch, CEST: 02:30
        ("early", "2026-03-30T02:30", False),  # CEST: 04:30
        ("early", "2026-03-29T00:30", False),  # the switch night: 01:30 CET, not yet 02:00
        # that night 02:00-03:00 never happens: the window is one hour, 01:00-02:00 UTC
        ("early", "2026-03-29T01:30", True),  # 03:30 CEST
        ("early", "2026-03-29T02:00", False),  # 04:00 CEST
        ("month-end", "2026-02-27T12:00", True),  # -2 of a 28-day February
        ("month-end", "2026-02-26T12:00", False),
        ("month-end", "2026-01-31T22:59", True),
        ("month-end", "2026-01-31T23:00", False),  # already 1 February in Berlin
        ("weekend", "2026-12-05T12:00", True),
        ("weekend", "2026-12-06T23:30", False),  # Monday 00:30 in Berlin
        ("new-york-office", "2026-07-06T13:00", True),  # 09:00 EDT
        ("new-york-office", "2026-12-07T13:00", False),  # 08:00 EST
        ("q1-2027", "2027-02-01T00:00", True),
        ("q1-2026", "2026-02-01T00:00", None),
    ],
)
def test_intervals_are_read_on_the_zones_wall_clock(name: str, utc: str, inside: bool | None):
    interval = INTERVALS.get(name)
    if inside is None:
        assert interval is None
        return
    assert interval is not None
    assert interval.contains(_at(utc), "Europe/Berlin") is inside


def test_unquoted_times_and_day_ranges_mean_what_was_written_not_yaml_1_1_base_60():
    text = CONFIG.replace(
        'times: [{start_time: "09:00", end_time: "17:00"}]',
        "times: [{start_time: 9:30, end_time: 17:00}]",
    )
    assert "start_time: 9:30" in text
    (item,) = load_config(text).time_intervals[3].time_intervals
    assert (item.times[0].start_time, item.times[0].end_time) == ("9:30", "17:00")
    days = load_config(CONFIG.replace('days_of_month: ["-2:-1"]', "days_of_month: [1:7, 28]"))
    assert days.time_intervals[1].time_intervals[0].days_of_month == ["1:7", "28"]
