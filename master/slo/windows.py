"""Windows as [start, end) in epoch milliseconds. Calendar periods are cut at local midnight
in the SLO's time zone, so a month with a DST change is 743 or 745 hours long -- and its
error budget in time follows."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from master.slo.definitions import Calendar, Rolling, Window
from master.slo.errors import PeriodError

DAY_MS = 86_400_000
_PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


def _ms(d: datetime) -> int:
    return int(d.timestamp() * 1000)


def _local(year: int, month: int, tz: ZoneInfo) -> datetime:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=tz)


def period_bounds(period: str, tz: str = "UTC") -> tuple[int, int]:
    """``2026-11`` or ``2026-Q4`` -> [start, end) in ms."""
    m = _PERIOD.match(period)
    if m is None:
        raise PeriodError(f"{period!r}: expected YYYY-MM or YYYY-Qn")
    zone = ZoneInfo(tz)
    year = int(m.group(1))
    if m.group(2):
        first, months = int(m.group(2)), 1
    else:
        first, months = (int(m.group(3)) - 1) * 3 + 1, 3
    return _ms(_local(year, first, zone)), _ms(_local(year, first + months, zone))


def window_bounds(window: Window, now_ms: int) -> tuple[int, int]:
    """The window that contains ``now``: rolling -> the last N days up to now; calendar -> the
    whole current month or quarter (the budget is the period's, not the part seen so far)."""
    if isinstance(window, Rolling):
        return now_ms - window.days * DAY_MS, now_ms
    return _calendar_bounds(window, now_ms)


def _calendar_bounds(window: Calendar, now_ms: int) -> tuple[int, int]:
    zone = ZoneInfo(window.tz)
    local = datetime.fromtimestamp(now_ms / 1000, tz=zone)
    if window.unit == "month":
        return period_bounds(f"{local.year}-{local.month:02d}", window.tz)
    return period_bounds(f"{local.year}-Q{(local.month - 1) // 3 + 1}", window.tz)


def local_day_starts(start_ms: int, end_ms: int, tz: str) -> list[int]:
    """Local midnights in [start, end), for daily roll-ups and worst days."""
    zone = ZoneInfo(tz)
    day = datetime.fromtimestamp(start_ms / 1000, tz=zone).date()
    out: list[int] = []
    while (at := _ms(datetime.combine(day, time(0), tzinfo=zone))) < end_ms:
        if at >= start_ms:
            out.append(at)
        day = date.fromordinal(day.toordinal() + 1)
    return out
