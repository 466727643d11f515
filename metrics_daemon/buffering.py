"""The bounded buffer between the collector and the pusher.

Small on purpose: samples are gauges of "now", so after a long agent outage the newest ten
minutes are worth keeping and anything older is not worth the memory. When full, the oldest
sample is dropped and counted; the count is logged by the pusher when it next gets through,
so an outage shows up as a known gap rather than a silent one."""

from __future__ import annotations

import asyncio
from collections import deque

from shared.domain.metrics import NodeMetricsSample


class SampleBuffer:
    def __init__(self, max_samples: int) -> None:
        if max_samples < 1:
            raise ValueError("max_samples must be at least 1")
        self._items: deque[NodeMetricsSample] = deque(maxlen=max_samples)
        self._ready = asyncio.Event()
        self.dropped = 0  # cumulative, since start

    def __len__(self) -> int:
        return len(self._items)

    def put(self, sample: NodeMetricsSample) -> None:
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(sample)  # deque(maxlen) evicts the oldest
        self._ready.set()

    def peek(self, limit: int) -> tuple[NodeMetricsSample, ...]:
        """The oldest ``limit`` samples, left in place until ``remove`` confirms delivery."""
        return tuple(self._items[i] for i in range(min(limit, len(self._items))))

    def remove(self, samples: tuple[NodeMetricsSample, ...]) -> None:
        """Drop delivered samples from the front; samples evicted meanwhile are skipped."""
        for s in samples:
            if self._items and self._items[0] is s:
                self._items.popleft()
        if not self._items:
            self._ready.clear()

    async def wait_nonempty(self, timeout_s: float) -> bool:
        if self._items:
            return True
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=timeout_s)
        except TimeoutError:
            return False
        return True
