"""The open streams: how many there are against ``clients_max``, how many were dropped, and
ending them all at shutdown (the HTTP server waits for every request in flight, and a stream
never ends by itself). Kept apart from the streams' reading so that ``GatewayState`` can hold
it without importing the routes' views. Pure but for the asyncio tasks it cancels."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from master.datahub.changes import ChangeFeed
from master.gateway.errors import Unavailable
from master.gateway.stream.settings import StreamSettings


class StreamsFull(Unavailable):
    """As many streams are open as ``clients_max`` allows (HTTP 503, Retry-After)."""


@dataclass(slots=True)
class Streams:
    settings: StreamSettings = field(default_factory=StreamSettings)
    open: int = 0
    opened: int = 0  # since start
    dropped: int = 0  # slow streams ended by the master (behind the ring, or a write timed out)
    closing: bool = False
    _pumps: set[asyncio.Task[None]] = field(default_factory=set)
    _cursors: dict[asyncio.Task[None], Callable[[], int]] = field(default_factory=dict)

    def admit(self) -> None:
        """Count a new stream in, or refuse it (503)."""
        if self.closing:
            raise Unavailable("the master is shutting down")
        if self.open >= self.settings.clients_max:
            raise StreamsFull(
                f"{self.open} event streams are open, the most this master serves; retry later"
            )
        self.open += 1
        self.opened += 1

    def attach(self, pump: asyncio.Task[None], cursor: Callable[[], int]) -> None:
        """Own ``pump`` (cancelled at shutdown); ``cursor()`` is how far its stream has read."""
        if self.closing:
            pump.cancel()
        self._pumps.add(pump)
        self._cursors[pump] = cursor
        pump.add_done_callback(self._detach)

    def _detach(self, pump: asyncio.Task[None]) -> None:
        self._pumps.discard(pump)
        self._cursors.pop(pump, None)

    def figures(self, feed: ChangeFeed) -> dict[str, float]:
        """What ``MasterMetrics.watch_streams`` exports; O(open streams)."""
        behind = max((feed.head - cursor() for cursor in self._cursors.values()), default=0)
        return {
            "clients": self.open,
            "opened": self.opened,
            "dropped": self.dropped,
            "published": feed.published,
            "ring_events": feed.held,
            "lag_max_events": behind,
        }

    def release(self) -> None:
        self.open -= 1

    def close_all(self) -> None:
        """End every open stream now and refuse new ones (shutdown)."""
        self.closing = True
        for pump in list(self._pumps):
            pump.cancel()
