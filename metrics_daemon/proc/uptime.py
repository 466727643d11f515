"""``/proc/uptime``: seconds since boot (the second column, summed idle time, is unused)."""

from __future__ import annotations

from metrics_daemon.errors import ProcFormatError


def parse_uptime(text: str) -> float:
    try:
        return float(text.split(maxsplit=1)[0])
    except (IndexError, ValueError) as e:
        raise ProcFormatError(f"/proc/uptime: unexpected content {text[:60]!r}") from e
