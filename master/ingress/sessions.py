"""⑤ The live sessions: one per cluster, a newer connection replacing the older one cleanly.

The old session is told to stop, and the new one waits until the old handler has finished
before it touches the cluster's state, so frames of two streams never interleave. A session
is also told to stop when its token no longer holds (``end``, called by ``revalidation``): it
then ends with UNAUTHENTICATED instead of ABORTED. Each takeover is shown to the shared-token
watch (``master.clusters.sharing``), which says when two agent instances keep displacing each
other with one token. Also the way in for the command bus: ``send`` queues a command on the
cluster's live session (never on one told to stop).

Deliberately not here: what a session does (``stream``, ``reading``, ``writing``), nor when a
token stops holding (``master.clusters.auth``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from master.clusters.sharing import TokenSharing
from shared.clock import now_ms
from shared.domain.commands import Command, CommandCancel
from shared.domain.findings import Finding

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class SessionSlot:
    cluster: str
    session_id: str
    token_id: str = ""  # the agent token the session authenticated with
    instance_id: str = ""  # the agent process (from its hello)
    # Set when the session must stop: a newer connection took over, or ``revoked`` says why
    # its token no longer holds.
    replaced: asyncio.Event = field(default_factory=asyncio.Event)
    revoked: str | None = None
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
    def __init__(
        self,
        *,
        takeover_timeout_s: float = 10.0,
        sharing: TokenSharing | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._live: dict[str, SessionSlot] = {}
        self._lock = asyncio.Lock()
        self._timeout = takeover_timeout_s
        self._sharing = sharing or TokenSharing()
        self._clock = clock

    async def claim(self, slot: SessionSlot) -> Finding | None:
        """Make ``slot`` the cluster's live session, after the previous one has ended.

        Returns the shared-token finding the cluster should hold now (None: none)."""
        async with self._lock:
            old = self._live.get(slot.cluster)
            self._live[slot.cluster] = slot
        live_old = old is not None and not old.finished.is_set()
        shared = self._sharing.claimed(
            slot.cluster,
            token_id=slot.token_id,
            instance_id=slot.instance_id,
            replacing=old.instance_id if old is not None and live_old else None,
            now=self._clock(),
            now_ms=now_ms(),
        )
        if shared is not None and live_old and shared.count == 1:
            log.error("cluster %s: %s", slot.cluster, shared.message)  # raised just now
        if old is not None and live_old:
            log.info(
                "cluster %s: session %s replaces %s", slot.cluster, slot.session_id, old.session_id
            )
            old.replaced.set()
            try:
                async with asyncio.timeout(self._timeout):
                    await old.finished.wait()
            except TimeoutError:
                log.error("cluster %s: previous session did not end in time", slot.cluster)
        return shared

    def release(self, slot: SessionSlot) -> bool:
        """Mark ``slot`` finished; True if it was still the live one (no successor)."""
        slot.finished.set()
        if self._live.get(slot.cluster) is slot:
            del self._live[slot.cluster]
            return True
        return False

    def live(self, cluster: str) -> SessionSlot | None:
        return self._live.get(cluster)

    def sessions(self) -> list[SessionSlot]:
        """The live sessions, one per cluster."""
        return list(self._live.values())

    def end(self, slot: SessionSlot, reason: str) -> None:
        """Tell ``slot`` to stop because its token no longer holds; the agent gets
        UNAUTHENTICATED with ``reason``, and no command is queued on it from now on."""
        if slot.revoked is None:
            slot.revoked = reason
        slot.replaced.set()

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
