"""``/proc/meminfo`` -> the domain ``Memory`` gauge (bytes).

``used`` is ``MemTotal - MemAvailable``: the kernel's own estimate of what could be handed to a
new workload without swapping, which is what an operator means by "free". Kernels older than
3.14 have no ``MemAvailable``; there it is approximated as free + buffers + page cache."""

from __future__ import annotations

from metrics_daemon.errors import ProcFormatError
from shared.domain.metrics import Memory

_UNITS = {"kB": 1024, "": 1}  # the kernel writes "kB" meaning KiB


def _values(text: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        if not sep:
            continue
        parts = rest.split()
        if not parts or not parts[0].isdigit():
            continue
        unit = parts[1] if len(parts) > 1 else ""
        values[key.strip()] = int(parts[0]) * _UNITS.get(unit, 1)
    return values


def parse_meminfo(text: str) -> Memory:
    v = _values(text)
    total = v.get("MemTotal")
    if total is None:
        raise ProcFormatError("/proc/meminfo: no MemTotal line")
    cached = v.get("Cached", 0)
    buffers = v.get("Buffers", 0)
    available = v.get("MemAvailable")
    if available is None:
        available = v.get("MemFree", 0) + buffers + cached
    available = min(available, total)
    swap_total = v.get("SwapTotal", 0)
    swap_free = min(v.get("SwapFree", 0), swap_total)
    return Memory(
        total_bytes=total,
        used_bytes=total - available,
        available_bytes=available,
        cached_bytes=cached,
        buffers_bytes=buffers,
        swap_total_bytes=swap_total,
        swap_used_bytes=swap_total - swap_free,
    )
