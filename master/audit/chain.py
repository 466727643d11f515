"""The audit hash chain: each entry's hash covers its content and the previous entry's hash.

An entry's hash is the SHA-256 of a canonical serialisation (orjson, sorted keys) of its id,
at_ms, actor, action, cluster, target, detail (the stored JSON text, byte for byte: re-encoding
it would be an edit too), outcome and ``prev_hash``, the hash of the entry before it (64 zeros
for the first). Editing an entry breaks its own hash; deleting, inserting or moving one breaks
the link of the entry after it; cutting entries off the end is caught against the head the
store keeps (``Head``: the newest id and hash, and the floor retention purged up to).

Ids may have gaps with intact links (InnoDB loses auto-increment values on rollback, and rows
written before the chain existed were chained as they stood): only a gap where a link breaks is
a missing entry. This is evidence against edits made past the application, not against someone
who can rewrite the whole table and its head: anchor ``Head.last_hash`` outside the database
for that. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

import orjson

GENESIS = "0" * 64  # prev_hash of the first entry ever written
# How far from its own position a moved entry is looked for, to call it reordered rather than
# altered. Only a failing entry pays for the search.
REORDER_WINDOW = 1_000


@dataclass(frozen=True, slots=True)
class Content:
    """What an entry's hash covers, besides the previous hash."""

    id: int
    at_ms: int
    actor: str
    action: str
    cluster: str
    target: str
    detail_json: str
    outcome: str


class Chained(Protocol):
    """A stored entry as the verifier reads it (the store's ``AuditRow`` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def at_ms(self) -> int: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def cluster(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def detail_json(self) -> bytes: ...
    @property
    def outcome(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def entry_hash(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Head:
    """What the store records beside the entries: retention removed every id below
    ``floor_id`` and the first entry left must carry ``floor_hash``; ``last_id``/``last_hash``
    are the newest entry written (``last_id`` < ``floor_id`` when none is left)."""

    floor_id: int = 1
    floor_hash: str = GENESIS
    last_id: int = 0
    last_hash: str = GENESIS


Problem = Literal["altered", "missing", "inserted", "reordered"]


@dataclass(frozen=True, slots=True)
class Finding:
    """The first entry that is not as written: ``id`` names it (for a missing run, the first
    id missing)."""

    id: int
    problem: Problem
    reason: str


def canonical(prev_hash: str, content: Content) -> bytes:
    return orjson.dumps(
        {
            "id": content.id,
            "at_ms": content.at_ms,
            "actor": content.actor,
            "action": content.action,
            "cluster": content.cluster,
            "target": content.target,
            "detail": content.detail_json,
            "outcome": content.outcome,
            "prev_hash": prev_hash,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def entry_hash(prev_hash: str, content: Content) -> str:
    """The 64-hex-digit SHA-256 of ``content`` chained to ``prev_hash``."""
    return hashlib.sha256(canonical(prev_hash, content)).hexdigest()


def content_of(row: Chained, *, as_id: int | None = None) -> Content:
    return Content(
        id=row.id if as_id is None else as_id,
        at_ms=row.at_ms,
        actor=row.actor,
        action=row.action,
        cluster=row.cluster,
        target=row.target,
        detail_json=row.detail_json.decode(errors="surrogateescape"),
        outcome=row.outcome,
    )


def _hashes(row: Chained, as_id: int | None = None) -> bool:
    return entry_hash(row.prev_hash, content_of(row, as_id=as_id)) == row.entry_hash


def _moved_from(row: Chained) -> int | None:
    """The id whose entry ``row`` now holds, if its content hashes under one nearby."""
    for delta in range(1, REORDER_WINDOW + 1):
        for other in (row.id - delta, row.id + delta):
            if other > 0 and _hashes(row, other):
                return other
    return None


class Verifier:
    """Feed entries in id order (in pages, so a long log never sits in memory), then
    ``finish``; both return the first :class:`Finding`, and keep returning it."""

    def __init__(self, head: Head | None = None) -> None:
        self._head = head
        start = head or Head()
        self._last_id = start.floor_id - 1
        self._last_hash = start.floor_hash
        self._before_last_hash: str | None = None
        self.count = 0
        self.finding: Finding | None = None

    def feed(self, row: Chained) -> Finding | None:
        if self.finding is None:
            self.finding = self._check(row)
            self._before_last_hash, self._last_hash = self._last_hash, row.entry_hash
            self._last_id = row.id
            self.count += 1
        return self.finding

    def _check(self, row: Chained) -> Finding | None:
        head, last = self._head, self._last_id
        if head is not None and row.id > head.last_id:
            return Finding(
                row.id, "inserted", f"newer than the last entry written ({head.last_id})"
            )
        if row.id <= last:
            return Finding(row.id, "inserted", f"below the entries retention removed (<{last + 1})")
        if not _hashes(row):
            moved = _moved_from(row)
            if moved is not None:
                return Finding(row.id, "reordered", f"it holds entry {moved}'s content and hashes")
            return Finding(row.id, "altered", "its content does not match its hash")
        if row.prev_hash == self._last_hash:
            return None
        if row.id > last + 1:
            return Finding(
                last + 1,
                "missing",
                f"entries {last + 1}..{row.id - 1} are gone: entry {row.id} does not link to "
                + (f"entry {last}" if self.count else "the start of the log"),
            )
        if self.count and row.prev_hash == self._before_last_hash:
            return Finding(last, "inserted", f"entry {row.id} links past it to the one before")
        return Finding(
            row.id,
            "altered",
            f"it does not link to entry {last}: one of the two was edited and re-hashed",
        )

    def finish(self) -> Finding | None:
        head = self._head
        if self.finding is not None or head is None:
            return self.finding
        if self._last_id < head.last_id:
            first = self._last_id + 1
            self.finding = Finding(
                first, "missing", f"entries {first}..{head.last_id} (the newest) are gone"
            )
        elif self.count and self._last_hash != head.last_hash:
            self.finding = Finding(
                self._last_id, "altered", "it is not the last entry written: re-hashed"
            )
        return self.finding


def verify(rows: Iterable[Chained], head: Head | None = None) -> Finding | None:
    """The first entry of ``rows`` (in id order) that is not as written, or None. Without a
    ``head``, the log must start at the genesis and its end is not checked."""
    verifier = Verifier(head)
    for row in rows:
        if verifier.feed(row) is not None:
            break
    return verifier.finish()
