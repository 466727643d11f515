"""⑤ When a session tells its agent what is durable: acks, coalesced.

An ack lets the agent free its spool; nothing else waits on one (a command's outcome, a
finding's alert do not). Each costs a gRPC write on the master and a read on the agent, so a
trickle of records is acknowledged once per ``delay_s`` instead of once per commit, while an
ack ``eager`` records ahead of the last one sent goes at once (an agent replaying a backlog
stalls when its in-flight window is spent). Only the newest mark is kept: an ack covers
everything before it.

Deliberately not here: writing the frame (the session's writer, woken through ``wake``) and
what is durable (the committer reports marks through ``set_ack``)."""

from __future__ import annotations

import asyncio


class AckCoalescer:
    """The latest mark to acknowledge and when it is due. Making one due sets ``wake`` (the
    session slot's ``outgoing`` event)."""

    def __init__(self, wake: asyncio.Event, *, delay_s: float, eager: int, sent: int) -> None:
        self._wake = wake
        self._delay = delay_s
        self._eager = eager
        self._mark: int | None = None  # newest durable mark not yet sent
        self._sent = sent  # the last mark the agent was told (the welcome's resume point)
        self._due = False
        self._timer: asyncio.TimerHandle | None = None

    def set_ack(self, seq: int) -> None:
        self._mark = seq
        if self._delay <= 0 or seq - self._sent >= self._eager:
            self._make_due()
        elif self._timer is None and not self._due:
            self._timer = asyncio.get_running_loop().call_later(self._delay, self._make_due)

    def _make_due(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due = True
        self._wake.set()

    def take(self) -> int | None:
        """The mark to acknowledge now, if one is due (the writer calls this)."""
        if not self._due or self._mark is None:
            return None
        seq, self._mark, self._due = self._mark, None, False
        self._sent = seq
        return seq

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
