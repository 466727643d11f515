"""Time helpers. Pure code takes ``now`` as an argument; only shells call these."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Wall-clock milliseconds since the epoch (timestamps that leave the process)."""
    return time.time_ns() // 1_000_000
