"""Units and phrases the detectors' plain-word summaries share."""

from __future__ import annotations

import math

TIMES = "\N{MULTIPLICATION SIGN}"
_BINARY = (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))


def size(n_bytes: float) -> str:
    """``536870912`` -> ``512 MiB``; one decimal below 10 of a unit."""
    for unit, factor in _BINARY:
        if abs(n_bytes) >= factor:
            x = n_bytes / factor
            return f"{x:.1f} {unit}" if abs(x) < 10 else f"{x:.0f} {unit}"
    return f"{n_bytes:.0f} B"


def rate_per_min(n_bytes_per_s: float) -> str:
    return f"{size(n_bytes_per_s * 60)}/min"


def rate_per_hour(n_bytes_per_s: float) -> str:
    return f"{size(n_bytes_per_s * 3600)}/h"


def cores(n: float) -> str:
    """CPU in Kubernetes' notation: ``0.5`` -> ``500m``, ``2`` -> ``2``."""
    if n >= 1 and abs(n - round(n)) < 1e-9:
        return f"{round(n)}"
    return f"{n * 1000:.0f}m"


def about(seconds: float) -> str:
    """A rough duration: ``~25 min``, ``~3 h``, ``~2 d``; ``now`` under half a minute."""
    if math.isinf(seconds):
        return "never"
    if seconds < 30:
        return "now"
    if seconds < 5400:
        return f"~{max(1, round(seconds / 60))} min"
    if seconds < 2 * 86400:
        return f"~{round(seconds / 3600)} h"
    return f"~{round(seconds / 86400)} d"


def times(ratio: float) -> str:
    """``3.42`` -> ``3.4`` and a multiplication sign."""
    return f"\N{INFINITY}{TIMES}" if math.isinf(ratio) else f"{ratio:.1f}{TIMES}"


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
