"""The outbox's on-disk file, so an agent restart loses no unacknowledged record.

Format: a sequence of entries ``<1 byte tag><4 byte big-endian length><payload>``; tag ``R`` is a
serialized ``JournalRecord``, tag ``A`` an 8-byte acknowledged sequence number. Appends go
straight to the file descriptor (not fsynced: this survives a process restart, which is what
the agent's pod sees; a node crash loses at most the OS write-back window). A torn tail from a
crash mid-write is dropped on load (logged with its size, counted in ``torn_bytes``; the
outbox's rewrite after a load removes it, so nothing is ever appended behind it), and an entry
with an unknown tag or a malformed ack is skipped and counted in ``unreadable``. ``rewrite``
replaces the file with just the live entries (written beside it, fsynced, renamed over it).

Owns the format, the file's permissions (directory created ``0700``, files ``0600``: the spool
holds findings and command results about the cluster) and its byte count. Deliberately does not
decide when to compact or what to do when the disk refuses a write (``persisting``): every
``OSError`` goes to the caller. After a failed append the file may end in a torn entry, so the
caller must not append to it again before a successful ``rewrite``.

All writes go through ``write`` (``os.write`` by default): the one seam a test bends to play a
full disk.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
from collections.abc import Callable, Iterable
from pathlib import Path

from shared.domain.journal import JournalRecord
from shared.files import replace_file
from shared.wire.errors import WireError
from shared.wire.journal import record_from_bytes, record_to_bytes

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">cI")
_ACK = struct.Struct(">Q")
DIR_MODE = 0o700
FILE_MODE = 0o600

Write = Callable[[int, bytes], int]


def encode(rec: JournalRecord) -> bytes:
    """One ``R`` entry, header included (its length is the record's share of the file)."""
    payload = record_to_bytes(rec)
    return _HEADER.pack(b"R", len(payload)) + payload


def _ack_entry(seq: int) -> bytes:
    return _HEADER.pack(b"A", _ACK.size) + _ACK.pack(seq)


class SpoolFile:
    def __init__(self, path: Path, *, write: Write = os.write) -> None:
        self.path = path
        self._write = write
        self._fd: int | None = None
        self.size = 0  # bytes in the file (known after load)
        self.torn_bytes = 0  # dropped from the tail by the last load
        self.unreadable = 0  # entries the last load skipped

    def load(self) -> tuple[int | None, list[JournalRecord]]:
        """(acked seq, unacked records in order) from the file; a missing file is empty. The
        acked seq is None when no master ever welcomed this spool (its numbering is its own)."""
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        if not self.path.exists():
            return None, []
        acked: int | None = None
        by_seq: dict[int, JournalRecord] = {}
        data = self.path.read_bytes()
        self.size = len(data)
        pos = 0
        while pos + _HEADER.size <= len(data):
            tag, size = _HEADER.unpack_from(data, pos)
            end = pos + _HEADER.size + size
            if end > len(data):
                break
            payload = data[pos + _HEADER.size : end]
            pos = end
            if tag == b"A" and size == _ACK.size:
                acked = max(acked or 0, _ACK.unpack(payload)[0])
            elif tag == b"R":
                try:
                    rec = record_from_bytes(payload)
                except WireError as e:
                    self.unreadable += 1
                    log.warning("spool file %s: skipping an unreadable record: %s", self.path, e)
                    continue
                by_seq[rec.seq] = rec
            else:
                self.unreadable += 1
                log.warning("spool file %s: skipping an entry tagged %r", self.path, tag)
        if pos < len(data):  # a crash mid-write: the last entry never finished
            self.torn_bytes = len(data) - pos
            log.warning(
                "spool file %s: dropping a torn entry of %d bytes at byte %d",
                self.path,
                self.torn_bytes,
                pos,
            )
        floor = acked or 0
        records = sorted((r for r in by_seq.values() if r.last_seq > floor), key=lambda r: r.seq)
        return acked, records

    def _handle(self) -> int:
        if self._fd is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self.path, flags, FILE_MODE)
        return self._fd

    def _write_all(self, fd: int, data: bytes) -> None:
        written = self._write(fd, data)
        while written < len(data):  # a short write on a nearly full disk: the rest, or ENOSPC
            data = data[written:]
            written = self._write(fd, data)

    def append(self, entry: bytes) -> None:
        """Append one entry from ``encode`` (raises OSError: the disk refused it, possibly
        after part of it landed)."""
        fd = self._handle()
        try:
            self._write_all(fd, entry)
        except OSError:
            with contextlib.suppress(OSError):
                self.size = os.fstat(fd).st_size  # what landed of it
            raise
        self.size += len(entry)

    def append_ack(self, seq: int) -> None:
        self.append(_ack_entry(seq))

    def rewrite(self, acked: int | None, records: Iterable[JournalRecord]) -> list[int]:
        """Replace the file with just the live entries (fsynced copy renamed over it); returns
        each record's entry size, in order. On OSError the old file stays as it was and the
        partial copy is removed."""
        self.close()
        self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        sizes: list[int] = []

        def produce() -> bytes:
            chunks: list[bytes] = [_ack_entry(acked)] if acked is not None else []
            for rec in records:
                entry = encode(rec)
                sizes.append(len(entry))
                chunks.append(entry)
            return b"".join(chunks)

        data = replace_file(self.path, produce, mode=FILE_MODE, write_all=self._write_all)
        self.size = len(data)
        return sizes

    def close(self) -> None:
        """Close the descriptor; never raises (nothing is buffered in this process)."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)
