"""The journal outbox: a bounded, sequence-numbered spool of records awaiting the master's ack.

Owns sequence numbering, the bounds (``max_records``; with a file also ``max_bytes`` of live
entries: overflow turns the oldest records into one counted ``Gap`` record that keeps the
sequence contiguous), acknowledgement, replay from a resume point, and the optional on-disk
copy (``persisting`` decides compaction and what a full disk means, ``spoolfile`` owns the
format). Every record is held in memory whether or not it is on disk, so a disk that refuses
writes costs durability, never a record of this process. Deliberately owns no networking: the
uplink reads batches from here and reports acks back.

Invariants (property-tested): sequence numbers are contiguous from the first unacked record to
the newest; ``len(records) <= max_records``; every record ever put is either acknowledged,
still held, or accounted for in exactly one gap's ``dropped`` count; with a file, its size stays
under ``1.5 * max_bytes + 1 MiB`` (see ``persisting``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from agent.outbox.persisting import RETRY_S, SpoolDisk
from agent.outbox.spoolfile import Write, encode
from shared.clock import now_ms
from shared.domain.journal import FindingBatch, Gap, JournalBody, JournalRecord
from shared.logs import RateLimited

log = logging.getLogger(__name__)

GAP_BYTES = 32  # a gap's share of the file: a handful of varints


class Outbox:
    def __init__(
        self,
        *,
        max_records: int,
        path: Path | None = None,
        max_bytes: int | None = None,
        wake: asyncio.Event | None = None,
        write: Write = os.write,
        disk_retry_s: float = RETRY_S,
    ) -> None:
        if max_records < 2:
            raise ValueError("max_records must be at least 2 (a gap needs a slot)")
        self._max = max_records
        self._max_bytes = max_bytes if path is not None else None
        self._records: deque[JournalRecord] = deque()
        self._sizes: deque[int] = deque()  # each held record's entry size (0 without a file)
        self._live_bytes = 0
        self._acked = 0
        self._next_seq = 1
        # False until a master's welcome: before that, sequence numbers are this spool's own and
        # the master's resume point belongs to an earlier spool (see resume()).
        self._welcomed = False
        self.dropped_total = 0
        self._changed = wake or asyncio.Event()
        self._overflow_log = RateLimited(every_s=30.0)
        self._disk: SpoolDisk | None = None
        if path is not None:
            self._disk = SpoolDisk(path, write=write, retry_s=disk_retry_s)
            acked, records = self._disk.load()
            self._welcomed = acked is not None
            self._acked = acked or 0
            for rec in records:
                self._append(rec, len(encode(rec)))
            self._next_seq = max(self._acked, records[-1].last_seq if records else 0) + 1
            self._rewrite()
            if self._disk.durable:
                self._disk.cleared_marker()
            if records:
                log.info("spool restored %d unacknowledged records from %s", len(records), path)
            self._report_disk()

    # -- producer side -------------------------------------------------------------------------

    def put(self, body: JournalBody, now_ms: int) -> int:
        """Append a record and return its sequence number. Never blocks: when the spool is full
        the oldest records become a gap, so a slow or absent master bounds memory, not the
        producer."""
        seq = self._next_seq
        self._next_seq += 1
        rec = JournalRecord(seq=seq, created_ms=now_ms, body=body)
        if self._disk is None:
            self._append(rec, 0)
        else:
            entry = encode(rec)
            self._append(rec, len(entry))
            self._disk.append(entry)
            self._sync_disk()
        self._changed.set()
        return seq

    def _append(self, rec: JournalRecord, size: int) -> None:
        self._records.append(rec)
        self._sizes.append(size)
        self._live_bytes += size
        while len(self._records) > self._max or (
            self._max_bytes is not None
            and self._live_bytes > self._max_bytes
            and len(self._records) > 2
        ):
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        first = self._records.popleft()
        second = self._records.popleft()
        self._live_bytes -= self._sizes.popleft() + self._sizes.popleft()
        dropped = _count(first) + _count(second)
        self.dropped_total += sum(1 for r in (first, second) if not isinstance(r.body, Gap))
        gap = Gap(first_seq=first.seq, last_seq=second.last_seq, dropped=dropped)
        self._records.appendleft(
            JournalRecord(seq=first.seq, created_ms=second.created_ms, body=gap)
        )
        size = GAP_BYTES if self._disk is not None else 0
        self._sizes.appendleft(size)
        self._live_bytes += size
        if self._overflow_log.ready(time.monotonic()):
            log.warning(
                "journal spool full (%d records, %s bytes): %d records dropped so far, reported "
                "to the master as a gap",
                self._max,
                self._max_bytes if self._max_bytes is not None else "unbounded",
                self.dropped_total,
            )

    # -- the file ------------------------------------------------------------------------------

    def _sync_disk(self) -> None:
        """After a change: compact a file grown past its bound, or retry a disk that refused
        writes (one rewrite of everything held makes the file whole again)."""
        disk = self._disk
        if disk is None:
            return
        if disk.needs_compaction(self._live_bytes) or disk.retry_due():
            self._rewrite()
        self._report_disk()

    def _rewrite(self) -> None:
        assert self._disk is not None
        sizes = self._disk.rewrite(self._acked if self._welcomed else None, self._records)
        if sizes is not None:
            self._sizes = deque(sizes)
            self._live_bytes = sum(sizes)

    def _report_disk(self) -> None:
        """Journal what the disk layer has to say (after the change that caused it)."""
        assert self._disk is not None
        findings = self._disk.take_findings()
        if findings:
            self.put(FindingBatch(tuple(findings)), now_ms())

    @property
    def durable(self) -> bool:
        """False while a file is configured but the disk refuses writes."""
        return self._disk is None or self._disk.durable

    @property
    def file_bytes(self) -> int:
        return self._disk.file.size if self._disk is not None else 0

    @property
    def live_bytes(self) -> int:
        return self._live_bytes

    # -- consumer side (uplink) ----------------------------------------------------------------

    @property
    def acked(self) -> int:
        return self._acked

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    @property
    def depth(self) -> int:
        return len(self._records)

    def resume(self, seq: int) -> None:
        """A master's welcome: it has handled everything up to ``seq``.

        The first welcome a spool ever gets cannot refer to its own records (none were sent
        yet): ``seq`` is where an earlier agent (a restarted process with a memory spool, a
        lost spool file) left off. Held records are renumbered to continue after it instead
        of being mistaken for handled ones. Later welcomes are plain acknowledgements."""
        if self._welcomed:
            self.ack(seq)
            return
        self._welcomed = True
        if seq != self._acked:
            self._renumber(seq)
        if self._disk is not None:
            self._rewrite()
            self._report_disk()

    def _renumber(self, base: int) -> None:
        offset = base - self._acked
        log.info("continuing the master's numbering after %d (records shift by %d)", base, offset)
        self._records = deque(_shifted(r, offset) for r in self._records)
        self._acked = base
        self._next_seq += offset

    def ack(self, seq: int) -> None:
        """The master durably handled everything up to ``seq``."""
        if seq <= self._acked:
            return
        if seq > self.last_seq:
            # Beyond everything we numbered: the master's mark comes from another spool's
            # numbering (e.g. restored master data). Keep our records, move above it.
            log.warning("master acknowledged %d beyond our last %d", seq, self.last_seq)
            self._renumber(seq)
            if self._disk is not None:
                self._rewrite()
                self._report_disk()
            return
        while self._records and self._records[0].last_seq <= seq:
            self._records.popleft()
            self._live_bytes -= self._sizes.popleft()
        self._acked = seq
        if self._disk is not None:
            self._disk.append_ack(seq)
            self._sync_disk()

    def after(self, seq: int, limit: int) -> list[JournalRecord]:
        """Up to ``limit`` held records that account for sequence numbers above ``seq``."""
        out: list[JournalRecord] = []
        for rec in self._iter_from(seq):
            out.append(rec)
            if len(out) >= limit:
                break
        return out

    def _iter_from(self, seq: int) -> Iterator[JournalRecord]:
        recs = self._records
        if not recs:
            return
        # Records are contiguous and only the front one can be a gap, so record i (i >= 1)
        # starts at recs[0].last_seq + i: the first record beyond seq is found arithmetically.
        start = 0 if recs[0].last_seq > seq else seq - recs[0].last_seq + 1
        for i in range(start, len(recs)):
            yield recs[i]

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Wait until a record beyond ``seq`` exists (True) or ``timeout`` passes (False)."""
        if self.last_seq > seq:
            return True
        self._changed.clear()
        try:
            async with asyncio.timeout(timeout):
                await self._changed.wait()
        except TimeoutError:
            return False
        return self.last_seq > seq

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()


def _shifted(rec: JournalRecord, offset: int) -> JournalRecord:
    body = rec.body
    if isinstance(body, Gap):
        body = Gap(body.first_seq + offset, body.last_seq + offset, body.dropped)
    return JournalRecord(seq=rec.seq + offset, created_ms=rec.created_ms, body=body)


def _count(rec: JournalRecord) -> int:
    return rec.body.dropped if isinstance(rec.body, Gap) else 1
