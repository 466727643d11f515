"""⑤ A session's reader: frames in, protocol enforced, decoded, handed to the processor.

Per frame: the DataHub hears the agent, then the frame's type picks its decoder here
(``DECODERS``), which applies the protocol's rules on its contents (``FrameRules``: journal
batch size and items per frame; known resource kinds in deltas, synced markers and source
statuses) and converts protobuf to domain values with ``shared.wire`` (which checks agent
JSON once: ``shared.wire.payloads``); the processor's handler for the same type
(``master.processor.frames.HANDLERS``) does the rest. A second hello, an empty frame or a frame
that does not decode (``WireError``) is a ``ProtocolError``: the session ends with
INVALID_ARGUMENT. A journal frame over ``LimitsSettings.journal_items`` is refused before it is
decoded (``AgentLimitExceeded``, recorded on the cluster as a reached bound): the session ends
with RESOURCE_EXHAUSTED.

Journal frames are not committed inline: their handler gives the records to the session's
group committer (``master.ingress.committer``) and the reader goes on, so deltas and heartbeats
never queue behind the store. Deliberately not here: what frames do (the processor), the
handshake (``stream``), anything sent to the agent (``writing``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.datahub.limits import AgentLimitExceeded
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


@dataclass(frozen=True, slots=True)
class FrameRules:
    """The bounds a decoder checks a frame against (one per session)."""

    batch_max: int  # journal records in one frame
    items_max: int  # findings or samples in one journal frame (``LimitsSettings.journal_items``)


# (frame, the session's bounds) -> the value its handler takes.
Decoder = Callable[[link_pb2.AgentFrame, FrameRules], Any]


def _items(record: link_pb2.JournalRecord) -> int:
    which = record.WhichOneof("body")
    if which == "findings":
        return len(record.findings.findings)
    if which == "node_metrics":
        return len(record.node_metrics.samples)
    if which == "ingress":
        return len(record.ingress.samples)
    if which == "pod_metrics":  # a container is what becomes a row and a Python object
        pm = record.pod_metrics
        return max(1, sum(len(p.containers) for p in pm.pods) + len(pm.nodes))
    return 1


def _journal(frame: link_pb2.AgentFrame, rules: FrameRules) -> list[JournalRecord]:
    records = frame.journal.records
    if len(records) > rules.batch_max:
        raise ProtocolError(f"journal batch of {len(records)} records exceeds {rules.batch_max}")
    # Counted on the protobuf before anything is decoded: the bound is on the Python objects
    # one frame becomes, so checking after decoding would be too late.
    items = sum(_items(r) for r in records)
    if items > rules.items_max:
        biggest = max(records, key=_items)
        if _items(biggest) > rules.items_max:
            what, seq = f"journal record {biggest.seq} holds {_items(biggest)} items", biggest.seq
        else:
            what = f"journal frame of {len(records)} records holds {items} items"
            seq = records[-1].seq
        raise AgentLimitExceeded(
            "journal_items", bound=rules.items_max, got=items, what=what, seq=seq
        )
    return [record_from_pb(r) for r in records]


def _delta(frame: link_pb2.AgentFrame, rules: FrameRules) -> ResourceDelta:
    if frame.delta.kind not in MIRRORED:
        raise ProtocolError(f"resource delta for unknown kind {frame.delta.kind!r}")
    return delta_from_pb(frame.delta)


def _synced(frame: link_pb2.AgentFrame, rules: FrameRules) -> Synced:
    for kind in frame.synced.kinds:
        if kind not in MIRRORED:
            raise ProtocolError(f"synced marker for unknown kind {kind!r}")
    return synced_from_pb(frame.synced)


def _heartbeat(frame: link_pb2.AgentFrame, rules: FrameRules) -> int:
    return frame.heartbeat.spool_depth


def _status(frame: link_pb2.AgentFrame, rules: FrameRules) -> Iterator[SourceStatus]:
    # Lazily, entry by entry as the handler applies them: entries before a malformed one
    # stay applied, as they always have. Only mirrored kinds: at most one status per kind.
    for s in frame.status.sources:
        if s.kind not in MIRRORED:
            raise ProtocolError(f"source status for unknown kind {s.kind!r}")
        yield source_status_from_pb(s)


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
    rules = FrameRules(batch_max=journal_batch_max, items_max=state.bounds.journal_items)
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
            await HANDLERS[kind](inbox, decode(frame, rules))
        except WireError as e:
            raise ProtocolError(f"malformed {kind} frame: {e}") from e
        except AgentLimitExceeded as e:
            state.limit_hit((e.limit, ""), e.got, seq=e.seq)
            raise
