"""⑧ How many refused requests one source address may put in the audit log: ``BURST``
entries, then one per ``REFILL_S``; what is dropped meanwhile is counted and handed to the next
entry written. Pure but for the clock the caller passes; keys bounded (oldest out)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

BURST = 20
REFILL_S = 3.0
MAX_SOURCES = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    suppressed: int = 0


class RefusalLimiter:
    """Which refusals to write (pure but for the clock the caller passes)."""

    def __init__(self) -> None:
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def admit(self, source: str, now: float) -> int | None:
        """None: drop this one (counted); otherwise the number dropped since the last entry."""
        b = self._buckets.get(source)
        if b is None:
            b = self._buckets[source] = _Bucket(tokens=BURST, at=now)
            if len(self._buckets) > MAX_SOURCES:
                self._buckets.popitem(last=False)
        b.tokens = min(BURST, b.tokens + (now - b.at) / REFILL_S)
        b.at = now
        self._buckets.move_to_end(source)
        if b.tokens < 1:
            b.suppressed += 1
            return None
        b.tokens -= 1
        dropped, b.suppressed = b.suppressed, 0
        return dropped
