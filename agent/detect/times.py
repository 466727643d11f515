"""Time values the detectors take: ``now`` as an aware datetime or epoch ms, and Kubernetes'
RFC 3339 timestamps. Owns conversion to epoch milliseconds; reads no clock."""

from __future__ import annotations

from datetime import datetime

Now = datetime | int


def to_ms(now: Now) -> int:
    """Epoch milliseconds for ``now``. A naive datetime is refused: guessing a zone would shift
    every duration threshold by hours."""
    if isinstance(now, datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware (e.g. datetime.now(UTC))")
        return int(now.timestamp() * 1000)
    return int(now)


def parse_ms(text: object) -> int | None:
    """Epoch ms of an RFC 3339 timestamp (``Time`` or ``MicroTime``); None when absent, empty
    or unparseable, because a missing timestamp means "unknown", not "now"."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return int(when.timestamp() * 1000)


def latest_ms(*values: object) -> int | None:
    """The latest of several optional timestamps."""
    parsed = [ms for ms in (parse_ms(v) for v in values) if ms is not None]
    return max(parsed) if parsed else None


def ago(ms: int, now_ms: int) -> str:
    """A short human duration such as ``12m`` or ``3h5m`` for messages."""
    seconds = max(0, (now_ms - ms) // 1000)
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{hours // 24}d"
