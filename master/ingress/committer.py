"""⑤ Group commit of one session's journal records.

The session's read loop hands each journal frame's records to ``put`` and goes on reading
(deltas, heartbeats and status must not wait behind the store). One ``run`` task per session
takes *everything* pending, commits it as one batch, reports the new mark, and repeats: while
one commit is in flight every frame that arrives meanwhile joins the next one, so a busy agent
costs one commit latency per batch of frames, not per frame. An idle agent's record is taken at
once: no timer, no window.

Bounded: ``put`` waits (and with it the read loop, hence the gRPC stream's flow control) while
the pending records would exceed ``max_pending``. Memory is at most one commit in flight plus
``max_pending`` records (a commit takes at most ``max_pending``, or one larger frame); nothing
is dropped. All sessions also share one :class:`PendingBudget`: a session reads ahead only
while the master-wide total of pending records fits in it, so a hundred agents draining their
backlogs at once cannot hold a hundred times ``max_pending`` decoded records. A session with
nothing pending always takes its next frame, so the budget can slow a session, never wedge it.

Deliberately not here: sequence checks, replay filtering and durability (the ``commit``
callable, i.e. ``JournalProcessor.handle``, owns those and shields a started commit from
cancellation), and how the mark reaches the agent (``on_mark``). An exception from ``commit``
ends ``run``; the session treats it like one from its reader."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from shared.domain.journal import JournalRecord

Commit = Callable[[Sequence[JournalRecord]], Awaitable[int]]
_UNLIMITED = 1 << 62


class PendingBudget:
    """Pending journal records across all sessions (a counter, no waiting of its own: a
    session over budget waits for its own next commit, which frees its share)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.used = 0
        self.waiting = 0  # sessions whose reader is waiting for room right now (observable)

    def fits(self, n: int) -> bool:
        return self.used + n <= self.capacity


class GroupCommitter:
    def __init__(
        self,
        *,
        commit: Commit,
        on_mark: Callable[[int], None],
        max_pending: int,
        budget: PendingBudget | None = None,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self._commit = commit
        self._on_mark = on_mark
        self._max = max_pending
        # Without a shared budget only the session's own bound applies.
        self._budget = budget or PendingBudget(_UNLIMITED)
        self._pending: list[JournalRecord] = []
        self._arrived = asyncio.Event()  # set while pending is non-empty
        self._taken = asyncio.Event()  # set when run() empties pending
        self._idle = asyncio.Event()  # set while nothing is pending nor in flight
        self._idle.set()
        self._closed = False
        self.commits = 0

    @property
    def pending(self) -> int:
        """Records waiting for the next commit (not counting the one in flight)."""
        return len(self._pending)

    async def put(self, records: Sequence[JournalRecord]) -> None:
        """Queue ``records`` (the next ones in stream order) for the next commit; waits while
        they would overflow the bound. A batch larger than the bound on its own is accepted
        once nothing else is pending, so the bound can never wedge the stream."""
        if not records or self._closed:
            return  # after run() ended nothing commits or acks them: the agent replays them
        if self._full(len(records)):
            self._budget.waiting += 1
            try:
                while self._full(len(records)):
                    self._taken.clear()
                    # No timeout of its own: this waits for exactly one commit, whose duration
                    # the store bounds; giving up could only drop records or end a healthy session.
                    await self._taken.wait()
            finally:
                self._budget.waiting -= 1
        self._pending.extend(records)
        self._budget.used += len(records)
        self._idle.clear()
        self._arrived.set()

    def _full(self, n: int) -> bool:
        return bool(self._pending) and (
            len(self._pending) + n > self._max or not self._budget.fits(n)
        )

    async def flush(self) -> None:
        """Wait until everything put so far is committed (e.g. at end of stream)."""
        await self._idle.wait()

    async def run(self) -> None:
        """Commit until cancelled or until ``commit`` raises (which propagates). On the way
        out, what is still pending gives its share of the budget back: the session is over,
        and its agent replays those records on the next one."""
        try:
            while True:
                await self._arrived.wait()
                batch, self._pending = self._pending, []
                self._arrived.clear()
                self._taken.set()
                try:
                    mark = await self._commit(batch)
                finally:
                    self._budget.used -= len(batch)
                self.commits += 1
                self._on_mark(mark)
                if not self._pending:
                    self._idle.set()
        finally:
            self._closed = True
            self._budget.used -= len(self._pending)
            self._pending = []
