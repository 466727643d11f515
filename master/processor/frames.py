"""⑥ What each frame of an agent's stream does: one handler per frame type, in ``HANDLERS``.

The ingress session reads a frame, enforces the protocol (hello first and once, no empty
frames, batch limits, known kinds) and converts it from protobuf with ``shared.wire``; then it
calls ``HANDLERS[frame type](inbox, value)`` with domain values only. Handlers apply mirrored
state (resource deltas staged, ``Synced`` swapping a snapshot in) and link facts (heartbeat
spool depth, source status) to the cluster's DataHub state, and hand journal records to the
session's journal intake (``Inbox.journal``: the session's group committer, which commits
through ``JournalProcessor.handle`` -- exactly once, durable before applied).

Deliberately not here: protocol rules and protobuf (``master.ingress.reading``), flow control
(``master.ingress.committer``), sequence checks and durability (``master.processor.journal``).

Adding a frame type: a field in ``AgentFrame`` (proto), its decoder in
``master.ingress.reading.DECODERS`` and its handler here, under the same key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from master.datahub.cluster import ClusterState
from shared.domain.journal import JournalRecord
from shared.domain.resources import ResourceDelta, SourceStatus, Synced

T_contra = TypeVar("T_contra", contravariant=True)


@dataclass(frozen=True, slots=True)
class Inbox:
    """Where one session's frames land."""

    state: ClusterState
    # Takes one frame's records in stream order; waits while the session's pending records
    # are at their bound (that wait is the stream's flow control).
    journal: Callable[[Sequence[JournalRecord]], Awaitable[None]]


class Handler(Protocol[T_contra]):
    def __call__(self, inbox: Inbox, value: T_contra, /) -> Awaitable[None]: ...


async def journal(inbox: Inbox, records: Sequence[JournalRecord]) -> None:
    await inbox.journal(records)


async def delta(inbox: Inbox, change: ResourceDelta) -> None:
    inbox.state.apply_delta(change)


async def synced(inbox: Inbox, marker: Synced) -> None:
    inbox.state.apply_synced(marker)


async def heartbeat(inbox: Inbox, spool_depth: int) -> None:
    inbox.state.spool_depth = spool_depth


# A source status message is the agent's one-line reason (a Forbidden, a timeout): held clipped,
# so a status costs the master little whatever the agent sends (one per mirrored kind).
STATUS_MESSAGE_MAX = 1_000


async def status(inbox: Inbox, sources: Iterable[SourceStatus]) -> None:
    # ``sources`` may decode lazily: a malformed entry raises after the earlier ones applied.
    for s in sources:
        long = len(s.message) > STATUS_MESSAGE_MAX
        inbox.state.sources[s.kind] = (
            replace(s, message=s.message[:STATUS_MESSAGE_MAX]) if long else s
        )


# Keyed like the ``AgentFrame.frame`` oneof (``hello`` is the session's, not a handler's).
HANDLERS: dict[str, Handler[Any]] = {
    "journal": journal,
    "delta": delta,
    "synced": synced,
    "heartbeat": heartbeat,
    "status": status,
}
