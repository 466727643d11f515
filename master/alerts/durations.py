"""Prometheus durations (``30s``, ``5m``, ``1h30m``, ``1d``, ``0``) as integer milliseconds.

Units must appear largest first and at most once each, as Prometheus' own parser demands, so a
pasted Alertmanager config means the same thing here."""

from __future__ import annotations

import re

_UNITS = (
    ("y", 365 * 24 * 3600 * 1000),
    ("w", 7 * 24 * 3600 * 1000),
    ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000),
    ("m", 60 * 1000),
    ("s", 1000),
    ("ms", 1),
)
_PATTERN = re.compile("".join(rf"(?:(?P<{u}>\d+){u})?" for u, _ in _UNITS))


def parse_duration(text: str) -> int:
    """``text`` in milliseconds; ValueError names what was wrong."""
    if not isinstance(text, str):
        raise ValueError(f"a duration must be a string like '5m', not {type(text).__name__}")
    value = text.strip()
    if value == "0":
        return 0
    m = _PATTERN.fullmatch(value)
    if not value or m is None or not any(m.groupdict().values()):
        raise ValueError(
            f"{text!r} is not a duration: use Prometheus syntax such as 30s, 5m or 1h30m"
        )
    return sum(int(n) * dict(_UNITS)[u] for u, n in m.groupdict().items() if n)


def format_duration(ms: int) -> str:
    if ms == 0:
        return "0s"
    out = []
    for unit, size in _UNITS:
        if ms >= size:
            n, ms = divmod(ms, size)
            out.append(f"{n}{unit}")
    return "".join(out)
