"""⑤ A session's reader: frames in, protocol enforced, decoded, handed to the processor.

Per frame: the DataHub hears the agent, then the frame's type picks its decoder here
(``DECODERS``), which applies the protocol's rules on its contents (journal batch size, known
resource kinds) and converts protobuf to domain values with ``shared.wire``; the processor's
handler for the same type (``master.processor.frames.HANDLERS``) does the rest. A second hello,
an empty frame or a frame that does not decode (``WireError``) is a ``ProtocolError``: the
session ends with INVALID_ARGUMENT.

Journal frames are not committed inline: their handler gives the records to the session's
group committer (``master.ingress.committer``) and the reader goes on, so deltas and heartbeats
never queue behind the store. Deliberately not here: what frames do (the processor), the
handshake (``stream``), anything sent to the agent (``writing``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.errors import ProtocolError
from master.ingress.committer import GroupCommitter
from master.ingress.context import EOF, Context
from master.processor.frames import HANDLERS, Inbox
from shared.domain.journal import JournalRecord
from shared.domain.resources import ResourceDelta, SourceStatus, Synced
from shared.kinds import MIRRORED
from shared.pb.lookout.v1 import link_pb2
from shared.wire.errors import WireError
from shared.wire.journal import record_from_pb
from shared.wire.refs import delta_from_pb, source_status_from_pb, synced_from_pb

# (frame, the session's journal batch limit) -> the value its handler takes.
Decoder = Callable[[link_pb2.AgentFrame, int], Any]


def _journal(frame: link_pb2.AgentFrame, batch_max: int) -> list[JournalRecord]:
    records = frame.journal.records
    if len(records) > batch_max:
        raise ProtocolError(f"journal batch of {len(records)} records exceeds {batch_max}")
    return [record_from_pb(r) for r in records]


def _delta(frame: link_pb2.AgentFrame, batch_max: int) -> ResourceDelta:
    if frame.delta.kind not in MIRRORED:
        raise ProtocolError(f"resource delta for unknown kind {frame.delta.kind!r}")
    return delta_from_pb(frame.delta)


def _synced(frame: link_pb2.AgentFrame, batch_max: int) -> Synced:
    return synced_from_pb(frame.synced)


def _heartbeat(frame: link_pb2.AgentFrame, batch_max: int) -> int:
    return frame.heartbeat.spool_depth


def _status(frame: link_pb2.AgentFrame, batch_max: int) -> Iterator[SourceStatus]:
    # Lazily, entry by entry as the handler applies them: entries before a malformed one
    # stay applied, as they always have.
    return (source_status_from_pb(s) for s in frame.status.sources)


# Keyed like ``master.processor.frames.HANDLERS`` (a unit test holds the two together).
DECODERS: dict[str, Decoder] = {
    "journal": _journal,
    "delta": _delta,
    "synced": _synced,
    "heartbeat": _heartbeat,
    "status": _status,
}


async def read_loop(
    context: Context,
    *,
    state: ClusterState,
    hub: DataHub,
    committer: GroupCommitter,
    journal_batch_max: int,
) -> None:
    """Read until the agent closes its side; raises ProtocolError on a bad frame."""
    inbox = Inbox(state=state, journal=committer.put)
    while True:
        frame = await context.read()
        if frame is EOF:
            # The agent closed its side: what it sent is still committed, as when the reader
            # committed inline; returning first would cancel the committer with it pending.
            await committer.flush()
            return
        assert isinstance(frame, link_pb2.AgentFrame)
        hub.heard(state)
        kind = frame.WhichOneof("frame")
        if kind is None or (decode := DECODERS.get(kind)) is None:
            raise ProtocolError(
                "hello sent twice on one stream" if kind == "hello" else "empty frame"
            )
        try:
            await HANDLERS[kind](inbox, decode(frame, journal_batch_max))
        except WireError as e:
            raise ProtocolError(f"malformed {kind} frame: {e}") from e
