"""The outbox's on-disk file, so an agent restart loses no unacknowledged record.

Format: a sequence of entries ``<1 byte tag><4 byte big-endian length><payload>``; tag ``R`` is a
serialized ``JournalRecord``, tag ``A`` an 8-byte acknowledged sequence number. Appends are
flushed (not fsynced: this survives a process restart, which is what the agent's pod sees; a
node crash loses at most the OS write-back window). A torn tail from a crash mid-write is
ignored on load. The file is rewritten compactly on start and when dead entries pile up.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from shared.domain.journal import JournalRecord
from shared.wire.errors import WireError
from shared.wire.journal import record_from_bytes, record_to_bytes

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">cI")
_ACK = struct.Struct(">Q")


class SpoolFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: BinaryIO | None = None
        self.entries = 0

    def load(self) -> tuple[int | None, list[JournalRecord]]:
        """(acked seq, unacked records in order) from the file; a missing file is empty. The
        acked seq is None when no master ever welcomed this spool (its numbering is its own)."""
        if not self.path.exists():
            return None, []
        acked: int | None = None
        by_seq: dict[int, JournalRecord] = {}
        data = self.path.read_bytes()
        pos = 0
        while pos + _HEADER.size <= len(data):
            tag, size = _HEADER.unpack_from(data, pos)
            end = pos + _HEADER.size + size
            if end > len(data):
                log.warning("spool file %s: ignoring a torn entry at byte %d", self.path, pos)
                break
            payload = data[pos + _HEADER.size : end]
            pos = end
            if tag == b"A":
                acked = max(acked or 0, _ACK.unpack(payload)[0])
            elif tag == b"R":
                try:
                    rec = record_from_bytes(payload)
                except WireError as e:
                    log.warning("spool file %s: skipping an unreadable record: %s", self.path, e)
                    continue
                by_seq[rec.seq] = rec
        floor = acked or 0
        records = sorted((r for r in by_seq.values() if r.last_seq > floor), key=lambda r: r.seq)
        return acked, records

    def _handle(self) -> BinaryIO:
        if self._fh is None:
            self._fh = self.path.open("ab")
        return self._fh

    def append(self, rec: JournalRecord) -> None:
        payload = record_to_bytes(rec)
        fh = self._handle()
        fh.write(_HEADER.pack(b"R", len(payload)) + payload)
        fh.flush()
        self.entries += 1

    def append_ack(self, seq: int) -> None:
        fh = self._handle()
        fh.write(_HEADER.pack(b"A", _ACK.size) + _ACK.pack(seq))
        fh.flush()
        self.entries += 1

    def rewrite(self, acked: int | None, records: Iterable[JournalRecord]) -> None:
        """Replace the file with just the live entries (atomic rename)."""
        self.close()
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        count = 0
        with tmp.open("wb") as fh:
            if acked is not None:
                fh.write(_HEADER.pack(b"A", _ACK.size) + _ACK.pack(acked))
                count += 1
            for rec in records:
                payload = record_to_bytes(rec)
                fh.write(_HEADER.pack(b"R", len(payload)) + payload)
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)
        self.entries = count

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
