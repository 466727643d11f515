"""Alertmanager's ``time_intervals``, evaluated at one instant in a time zone.

An interval is a list of items; an instant is inside when it is inside any item. Within an
item every given field must match (an absent field matches anything); within a field any one
range will do. Fields: ``times`` (``start_time`` inclusive, ``end_time`` exclusive, ``HH:MM``,
``24:00`` allowed as an end), ``weekdays`` (names, ranges ``monday:friday``; a range may wrap,
``saturday:sunday``), ``days_of_month`` (1..31 or -1..-31 counted from the month's end, ranges,
clamped to the month), ``months`` (names or 1..12, ranges), ``years`` (ranges) and ``location``
(an IANA zone; absent → the config's ``time_zone``; ``Local`` → the same, since the master's
own zone is no business of an alert). Wall-clock fields are read in that zone, so a window
``02:00-04:00 Europe/Berlin`` follows daylight saving time."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # config imports this module's parsers
    from master.alerts.config import AlertConfig

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip

Range = tuple[int, int]


def parse_clock(text: str) -> int:
    """``HH:MM`` (or ``H:MM``) → minutes since midnight (0..1440)."""
    parts = text.strip().split(":")
    ok = len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[1]) == 2
    ok = ok and len(parts[0]) in (1, 2)
    minutes = int(parts[0]) * 60 + int(parts[1]) if ok else -1
    if not ok or int(parts[1]) > 59 or not 0 <= minutes <= 24 * 60:
        raise ValueError(f"{text!r} is not a time of day: use HH:MM between 00:00 and 24:00")
    return minutes


def parse_time_range(start: str, end: str) -> Range:
    s, e = parse_clock(start), parse_clock(end)
    if s >= e:
        raise ValueError(f"start_time {start} must be before end_time {end}")
    return (s, e)


def _split(text: str) -> tuple[str, str]:
    value = str(text).strip().lower()
    if ":" in value.lstrip("-"):
        head, _, tail = value.partition(":") if not value.startswith("-") else _neg(value)
        return head.strip(), tail.strip()
    return value, value


def _neg(value: str) -> tuple[str, str, str]:
    i = value.index(":", 1)
    return value[:i], ":", value[i + 1 :]


def _named(word: str, names: Sequence[str], what: str, lo: int, hi: int) -> int:
    if word in names:
        return names.index(word) + (1 if what == "month" else 0)
    if what == "month" and word.isdigit() and lo <= int(word) <= hi:
        return int(word)
    raise ValueError(f"{word!r} is not a {what}: use {names[0]}, {names[1]}, …")


def parse_weekday_range(text: str) -> Range:
    a, b = _split(text)
    return (_named(a, WEEKDAYS, "weekday", 0, 6), _named(b, WEEKDAYS, "weekday", 0, 6))


def parse_month_range(text: str) -> Range:
    a, b = _split(text)
    s, e = _named(a, MONTHS, "month", 1, 12), _named(b, MONTHS, "month", 1, 12)
    if s > e:
        raise ValueError(f"{text!r}: the first month is after the last")
    return (s, e)


def parse_day_range(text: str) -> Range:
    a, b = _split(text)
    try:
        s, e = int(a), int(b)
    except ValueError:
        raise ValueError(f"{text!r} is not a day of month: use 1..31, -1..-31 or a range") from None
    for d in (s, e):
        if d == 0 or not -31 <= d <= 31:
            raise ValueError(f"{text!r}: days of month are 1..31 or -1..-31 (0 is not a day)")
    if (s > 0) == (e > 0) and s > e:
        raise ValueError(f"{text!r}: the first day is after the last")
    return (s, e)


def parse_year_range(text: str) -> Range:
    a, b = _split(text)
    if not (a.isdigit() and b.isdigit()):
        raise ValueError(f"{text!r} is not a year or a range of years")
    if int(a) > int(b):
        raise ValueError(f"{text!r}: the first year is after the last")
    return (int(a), int(b))


def parse_location(text: str) -> str:
    if text == "Local":
        return text
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return text


@dataclass(frozen=True, slots=True)
class IntervalItem:
    times: tuple[Range, ...] = ()
    weekdays: tuple[Range, ...] = ()
    days_of_month: tuple[Range, ...] = ()
    months: tuple[Range, ...] = ()
    years: tuple[Range, ...] = ()
    location: str | None = None

    def contains(self, now_ms: int, default_zone: str) -> bool:
        zone = self.location if self.location not in (None, "Local") else default_zone
        t = datetime.fromtimestamp(now_ms / 1000, tz=ZoneInfo(zone or "UTC"))
        minute = t.hour * 60 + t.minute
        if self.times and not any(s <= minute < e for s, e in self.times):
            return False
        if self.weekdays and not any(_in_week(t.weekday(), r) for r in self.weekdays):
            return False
        if self.days_of_month and not _in_month(t, self.days_of_month):
            return False
        if self.months and not any(s <= t.month <= e for s, e in self.months):
            return False
        return not self.years or any(s <= t.year <= e for s, e in self.years)


def _in_week(day: int, r: Range) -> bool:
    s, e = r
    return s <= day <= e if s <= e else day >= s or day <= e


def _in_month(t: datetime, ranges: Iterable[Range]) -> bool:
    length = calendar.monthrange(t.year, t.month)[1]

    def pos(d: int) -> int:
        return max(1, min(length, d if d > 0 else length + d + 1))

    return any(pos(s) <= t.day <= pos(e) for s, e in ranges)


@dataclass(frozen=True, slots=True)
class TimeInterval:
    name: str
    items: tuple[IntervalItem, ...]

    def contains(self, now_ms: int, default_zone: str) -> bool:
        return any(item.contains(now_ms, default_zone) for item in self.items)


def compile_time_intervals(config: AlertConfig) -> dict[str, TimeInterval]:
    out = {}
    for spec in config.all_time_intervals():
        items = tuple(
            IntervalItem(
                times=tuple(parse_time_range(t.start_time, t.end_time) for t in i.times),
                weekdays=tuple(map(parse_weekday_range, i.weekdays)),
                days_of_month=tuple(map(parse_day_range, i.days_of_month)),
                months=tuple(map(parse_month_range, i.months)),
                years=tuple(map(parse_year_range, i.years)),
                location=i.location,
            )
            for i in spec.time_intervals
        )
        out[spec.name] = TimeInterval(spec.name, items)
    return out
