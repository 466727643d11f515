"""Open streams: where each one is in the change feed, and the bound on how many there are.

A ``Reader`` is one stream's cursor on the shared ring (``master.datahub.changes``): what it
begins with (a fresh stream gets ``resync`` "hello" carrying the current id, a resumed one the
changes after its ``Last-Event-ID``, or a resync when those are gone) and its next chunk of
frames. It holds no events: the window between its cursor and the ring's head is its queue,
bounded by the ring, so a slow stream grows no memory; one the ring has overtaken is
``behind`` and is told to resync and dropped.

Resync reasons: ``hello`` (a new stream; the client knows it is live and from which id),
``expired`` (its Last-Event-ID is older than the ring holds), ``restarted`` (the id is from
an earlier master process, whose ids are all lower), ``unknown`` (an id this master never
gave, or not a number), ``behind`` (it fell a whole ring behind; then dropped),
``snapshot`` (one cluster's state was replaced wholesale; ``cluster`` names it),
``removed`` (a cluster was deleted). Every resync means "refetch"; a stream whose
credentials stopped holding just ends (``sending``), as nothing was lost.

Pure. The count of open streams and their cap are ``master.gateway.stream.registry``'s."""

from __future__ import annotations

from dataclasses import dataclass

from master.datahub.changes import ChangeFeed
from master.gateway.stream import frames
from master.gateway.stream.viewers import Viewer


def parse_event_id(text: str | None) -> int | None:
    """A ``Last-Event-ID`` header as an id; -1 when present but not a number."""
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        return -1


@dataclass(slots=True)
class Reader:
    feed: ChangeFeed
    viewer: Viewer
    after: int = 0  # the id of the last change this stream has passed (sent or filtered)

    def start(self, last_event_id: int | None) -> bytes:
        """The frames a stream begins with; sets the cursor."""
        feed = self.feed
        if last_event_id is not None and last_event_id >= 0:
            if feed.holds_after(last_event_id):
                self.after = last_event_id
                return b""
            reason = (
                "restarted"
                if last_event_id <= feed.base
                else "unknown"
                if last_event_id > feed.head
                else "expired"
            )
        else:
            reason = "hello" if last_event_id is None else "unknown"
        self.after = feed.head
        return frames.resync(feed.head, reason)

    @property
    def behind(self) -> bool:
        """The ring overwrote changes this stream had not passed yet."""
        return not self.feed.holds_after(self.after)

    @property
    def pending(self) -> bool:
        return self.after < self.feed.head

    def chunk(self, limit: int, max_bytes: int = 1 << 62) -> bytes:
        """The frames of the next ``limit`` changes that this stream may see (may be empty when
        it sees none of them), stopping once ``max_bytes`` are reached; moves the cursor past
        the changes it went through. Nothing while ``behind``: a gap is never skipped silently."""
        if self.behind:
            return b""
        changes = self.feed.read(self.after, limit)
        sees, frame = self.viewer.sees, frames.frame
        out: list[bytes] = []
        size = 0
        for change in changes:
            self.after = change.id
            if sees(change):
                out.append(data := frame(change))
                size += len(data)
                if size >= max_bytes:
                    break
        return b"".join(out)

    def resync_behind(self) -> bytes:
        self.after = self.feed.head
        return frames.resync(self.feed.head, "behind")
