"""⑤ The live sessions: one per cluster, a newer connection replacing the older one cleanly.

The old session is told to stop, and the new one waits until the old handler has finished
before it touches the cluster's state, so frames of two streams never interleave. Also the
way in for the command bus: ``send`` queues a command on the cluster's live session.

Deliberately not here: what a session does (``stream``, ``reading``, ``writing``)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from shared.domain.commands import Command, CommandCancel

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class SessionSlot:
    cluster: str
    session_id: str
    replaced: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # Commands for the agent. Bounded: the command bus keeps the authoritative queue and
    # re-sends after a reconnect, so a full queue only delays, never loses.
    downlink: asyncio.Queue[Command | CommandCancel] = field(
        default_factory=lambda: asyncio.Queue(maxsize=256)
    )
    # Set whenever the session's writer has something to send (a command here, an ack): it
    # waits on this one event instead of a task per source per frame.
    outgoing: asyncio.Event = field(default_factory=asyncio.Event)


class SessionRegistry:
    def __init__(self, *, takeover_timeout_s: float = 10.0) -> None:
        self._live: dict[str, SessionSlot] = {}
        self._lock = asyncio.Lock()
        self._timeout = takeover_timeout_s

    async def claim(self, slot: SessionSlot) -> None:
        """Make ``slot`` the cluster's live session, after the previous one has ended."""
        async with self._lock:
            old = self._live.get(slot.cluster)
            self._live[slot.cluster] = slot
        if old is not None and not old.finished.is_set():
            log.info(
                "cluster %s: session %s replaces %s", slot.cluster, slot.session_id, old.session_id
            )
            old.replaced.set()
            try:
                async with asyncio.timeout(self._timeout):
                    await old.finished.wait()
            except TimeoutError:
                log.error("cluster %s: previous session did not end in time", slot.cluster)

    def release(self, slot: SessionSlot) -> bool:
        """Mark ``slot`` finished; True if it was still the live one (no successor)."""
        slot.finished.set()
        if self._live.get(slot.cluster) is slot:
            del self._live[slot.cluster]
            return True
        return False

    def live(self, cluster: str) -> SessionSlot | None:
        return self._live.get(cluster)

    def send(self, cluster: str, item: Command | CommandCancel) -> bool:
        """Queue a command (or cancel) for the cluster's live session; False when none is
        live or its queue is full (the caller retries after the next connect)."""
        slot = self._live.get(cluster)
        if slot is None or slot.replaced.is_set():
            return False
        try:
            slot.downlink.put_nowait(item)
        except asyncio.QueueFull:
            return False
        slot.outgoing.set()
        return True

    def stop_all(self) -> list[SessionSlot]:
        slots = list(self._live.values())
        for slot in slots:
            slot.replaced.set()
        return slots
