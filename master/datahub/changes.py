"""The change feed: every change of current state, once, in a bounded ring with ids.

    DataHub / ClusterState / command bus ──publish──▶ ChangeFeed (ring of ``capacity``)
    alert service (after a step commits) ──publish──▶    │ wake (one event per burst)
                      each open stream reads from its own cursor ◀──┘ (master.gateway.stream)

Publishing is O(1) and never waits: the change goes into the slot its id names (overwriting the
oldest) and, when streams are waiting, one asyncio event is set for all of them. No stream has
a queue of its own: a stream's queue is the window of the ring between its cursor and the head,
so a slow stream costs the master one integer, and a stream whose cursor the ring has moved
past (``expired``) has lost events and must resync.

Ids are monotonic integers that do not repeat across master restarts: the first id of a process
is its start time in milliseconds times 1,000 (``id_base``), so an id from an earlier process
is below ``oldest`` and reads as expired, never as a later process's event. JavaScript numbers
hold them exactly (below 2**53 until the year 2255).

Visibility: ``cluster`` and ``namespace`` say who may see a change. ``namespace`` None is a
fact about the cluster as a whole (its status, a cluster-wide resync): anyone who sees the
cluster at all sees it. A string (empty for cluster-scoped objects such as nodes) is an object
in that namespace, visible to a caller holding read on all of the cluster or on that namespace.
An alert's change with ``cluster`` empty is about an alert of no cluster (a signal from
elsewhere): only a global grant sees it, as in GET /alerts.
Deciding that is the gateway's job (``master.gateway.stream.viewers``); this module knows no
grants, no HTTP and no JSON. ``subject`` is the changed thing as the publisher holds it (a
``Resource``, a ``Finding``, a command snapshot, a dict: a cluster's view, an alert's change);
the gateway encodes it once, on first send, into ``frame``, which every later stream reuses
(and the subject is let go then)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from shared.clock import now_ms

Topic = Literal["cluster", "resource", "finding", "command", "alert", "resync"]

DEFAULT_CAPACITY = 10_000
# A snapshot swap publishes its differences one by one up to this many, else one resync of
# its cluster: refetching is cheaper for a client than thousands of events, and a swap that
# large (a master restart, a long disconnect) would push every reader off the ring anyway.
DEFAULT_SWAP_MAX = 2_000


@dataclass(slots=True)
class Change:
    id: int
    topic: Topic
    cluster: str
    namespace: str | None  # None: about the cluster as a whole (see the module docstring)
    # resource: upsert|delete; finding: opened|changed|resolved; alert: changed|resolved|removed;
    # resync: its reason
    op: str
    subject: object  # None once encoded: the frame holds all of it
    frame: bytes | None = None  # the encoded SSE frame, filled by the first stream to send it


def id_base(at_ms: int) -> int:
    """The id before the first one of a process started at ``at_ms``."""
    return at_ms * 1000


class ChangeFeed:
    """The ring. Single-threaded: publish and read on the master's event loop."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        base: int | None = None,
        swap_max: int = DEFAULT_SWAP_MAX,
    ) -> None:
        if capacity < 1:
            raise ValueError("a change feed holds at least one change")
        self.capacity = capacity
        self.swap_max = swap_max
        self.base = id_base(now_ms()) if base is None else base
        self.head = self.base  # the newest change's id; == base: none yet
        self._slots: list[Change | None] = [None] * capacity
        self._wake: asyncio.Event | None = None
        self.published = 0

    def publish(
        self,
        topic: Topic,
        *,
        cluster: str,
        namespace: str | None,
        op: str,
        subject: object,
    ) -> Change:
        self.head += 1
        change = Change(self.head, topic, cluster, namespace, op, subject)
        self._slots[self.head % self.capacity] = change
        self.published += 1
        wake = self._wake
        if wake is not None:  # one set() per burst: the next waiter arms a new event
            self._wake = None
            wake.set()
        return change

    @property
    def oldest(self) -> int:
        """The id of the oldest change still held (head + 1 when none is)."""
        return max(self.base + 1, self.head - self.capacity + 1)

    @property
    def held(self) -> int:
        return self.head - self.oldest + 1

    def holds_after(self, after: int) -> bool:
        """Can a reader that has seen everything up to ``after`` go on without a gap?"""
        return self.oldest - 1 <= after <= self.head

    def read(self, after: int, limit: int) -> list[Change]:
        """Up to ``limit`` changes after ``after``, oldest first; [] when none is newer. The
        caller checks ``holds_after`` first: an expired cursor reads from ``oldest``."""
        first = max(after + 1, self.oldest)
        last = min(self.head, first + limit - 1)
        slots, cap = self._slots, self.capacity
        return [c for i in range(first, last + 1) if (c := slots[i % cap]) is not None]

    def woken(self) -> asyncio.Event:
        """An event set by the next publish (shared by every waiter until then)."""
        if self._wake is None:
            self._wake = asyncio.Event()
        return self._wake
