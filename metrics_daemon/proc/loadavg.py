"""``/proc/loadavg``: the 1, 5 and 15 minute run-queue averages (the rest of the line is unused)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics_daemon.errors import ProcFormatError


@dataclass(frozen=True, slots=True)
class LoadAvg:
    load1: float
    load5: float
    load15: float


def parse_loadavg(text: str) -> LoadAvg:
    parts = text.split()
    try:
        return LoadAvg(float(parts[0]), float(parts[1]), float(parts[2]))
    except (IndexError, ValueError) as e:
        raise ProcFormatError(f"/proc/loadavg: unexpected content {text[:60]!r}") from e
