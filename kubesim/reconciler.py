"""The engine under every simulated controller: dirty sets, timers, one loop.

Owns: turning store change notifications into "reconcile key K of kind X" work items
(coalesced — a key changed ten times is reconciled once), delayed actions (timers), and the
loop that runs both. Controllers register handlers; they never poll the whole store, which is
what keeps 5,000 pods cheap when nothing happens.
Does not own: what a reconcile does (``controllers``, ``kubelet``).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Callable

from kubesim.store import Key

log = logging.getLogger(__name__)

Handler = Callable[[Key], None]


class Reconciler:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._dirty: dict[str, set[Key]] = {}
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._wake = asyncio.Event()

    def register(self, queue: str, handler: Handler) -> None:
        self._handlers[queue] = handler
        self._dirty[queue] = set()

    def mark(self, queue: str, key: Key) -> None:
        self._dirty[queue].add(key)
        self._wake.set()

    def after(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (time.monotonic() + delay, next(self._seq), action))
        self._wake.set()

    def pending(self) -> bool:
        return any(self._dirty.values())

    def drain(self, max_rounds: int = 1000) -> None:
        """Reconcile until nothing is dirty (bounded: a controller bug must not hang seeding)."""
        for _ in range(max_rounds):
            if not self.pending():
                return
            for queue, keys in self._dirty.items():
                if not keys:
                    continue
                batch, self._dirty[queue] = keys, set()
                handler = self._handlers[queue]
                for key in batch:
                    try:
                        handler(key)
                    except Exception:
                        # One broken object must not stop the cluster; the real controllers
                        # also log and requeue rather than crash.
                        log.exception("reconcile %s %s failed", queue, key)

    def run_due_timers(self) -> float:
        """Fire due timers; return seconds until the next one (capped at 1 s)."""
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, action = heapq.heappop(self._timers)
            try:
                action()
            except Exception:
                log.exception("timer action failed")
        return min(1.0, self._timers[0][0] - now) if self._timers else 1.0

    async def run(self) -> None:
        while True:
            self.drain()
            wait = self.run_due_timers()
            if self.pending():
                await asyncio.sleep(0)  # still busy after a bounded drain: let others run
                continue
            self._wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that races with the wake-up, and a swallowed cancel makes shutdown hang.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(wait, 0.0)):
                    await self._wake.wait()
