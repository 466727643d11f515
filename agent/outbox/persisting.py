"""Keeping the outbox's file as durable as the disk allows: compaction and a full disk.

Owns two policies around ``SpoolFile``:

- **Compaction.** Acknowledged records and acks are dead weight in an append-only file. The file
  is rewritten with only the live entries once it exceeds ``COMPACT_RATIO`` times the live bytes
  plus ``COMPACT_SLACK`` (the slack stops a nearly empty spool from rewriting on every ack). With
  the outbox keeping live bytes under its byte budget ``B`` (``spool_max_bytes``), the file stays
  under ``1.5 B + 1 MiB``, and a compaction, which writes the live copy beside it, peaks at
  ``2.5 B + 1 MiB`` on disk. Each rewrite is paid for by at least half the live size in dead
  appends, so compaction costs at most two bytes written per byte appended.
- **A disk that refuses writes** (``ENOSPC``, ``EDQUOT``, ``EIO``, any ``OSError``). The agent
  never crashes on it: the outbox keeps every record in memory anyway (same bounds, overflow is
  still a counted gap), so the spool goes *not durable*: no more appends (the file may end in a
  torn entry), a ``SpoolNotDurable`` finding goes up the link, a marker file beside the spool
  says so, and a full rewrite is retried after ``RETRY_S``, backing off to ``RETRY_MAX_S``. The
  first rewrite that succeeds makes the file whole again (everything held, nothing lost),
  resolves the finding and removes the marker.
  If the process dies while not durable, the records it held only in memory are gone and their
  number is unknown: the next process finds the marker and reports a ``SpoolRecordsLost``
  finding instead of a silent hole.

Findings are queued here and journaled by the outbox (``take_findings``), so reporting never
re-enters a write. Deliberately does not own sequence numbers, bounds or acks (``spool``)."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

from agent.outbox.spoolfile import FILE_MODE, SpoolFile, Write
from shared.clock import now_ms
from shared.domain.findings import Finding, Severity
from shared.domain.journal import JournalRecord
from shared.domain.refs import ObjectRef
from shared.logs import RateLimited
from shared.retry import Backoff

log = logging.getLogger(__name__)

COMPACT_RATIO = 1.5
COMPACT_SLACK = 1 << 20  # bytes
# A refusing disk is retried after RETRY_S, backing off to RETRY_MAX_S: each retry rewrites
# everything held, so a disk that stays full must not cost a full rewrite every few seconds.
RETRY_S = 10.0
RETRY_MAX_S = 300.0
REANNOUNCE_S = 300.0  # a failed retry re-sends the finding at most this often

SUBJECT = ObjectRef(kind="Agent", name="spool")
NOT_DURABLE = "SpoolNotDurable"
RECORDS_LOST = "SpoolRecordsLost"


class SpoolDisk:
    def __init__(self, path: Path, *, write: Write = os.write, retry_s: float = RETRY_S) -> None:
        self.file = SpoolFile(path, write=write)
        self.marker = path.with_name(path.name + ".degraded")
        self.durable = True
        self.failures_total = 0
        self.unwritten_total = 0  # records put while not durable (held in memory only)
        self._retry = Backoff(initial_s=retry_s, max_s=max(retry_s, RETRY_MAX_S), jitter=0.0)
        self._attempt = 0
        self._retry_at = 0.0
        self._announced_at = 0.0
        self._since_ms = 0
        self._error = ""
        self._findings: list[Finding] = []
        self._log = RateLimited(every_s=60.0)

    # -- reading back --------------------------------------------------------------------------

    def load(self) -> tuple[int | None, list[JournalRecord]]:
        """What the last process left; an unreadable file is an empty spool (and reported)."""
        if self.marker.exists():
            log.warning("spool %s: the last agent process ran with it not durable", self.file.path)
            self._findings.append(
                _finding(
                    RECORDS_LOST,
                    "the previous agent process stopped while it could not write its spool file "
                    f"{self.file.path}; the journal records it held only in memory were lost",
                    now=now_ms(),
                    resolved=False,
                )
            )
        try:
            return self.file.load()
        except OSError as e:
            self._findings.append(
                _finding(
                    RECORDS_LOST,
                    f"the agent cannot read the spool file {self.file.path} the previous process "
                    f"left ({_describe(e)}); the records in it are lost",
                    now=now_ms(),
                    resolved=False,
                )
            )
            log.error("spool %s unreadable (%s): starting an empty spool", self.file.path, e)
            return None, []

    # -- writing -------------------------------------------------------------------------------

    def append(self, entry: bytes) -> None:
        if not self.durable:
            self.unwritten_total += 1
            return
        try:
            self.file.append(entry)
        except OSError as e:
            self.unwritten_total += 1
            self.failed(e)

    def append_ack(self, seq: int) -> None:
        if not self.durable:
            return
        try:
            self.file.append_ack(seq)
        except OSError as e:
            self.failed(e)

    def rewrite(self, acked: int | None, records: Iterable[JournalRecord]) -> list[int] | None:
        """The live entries' sizes after a rewrite, or None when the disk refused it."""
        try:
            sizes = self.file.rewrite(acked, records)
        except OSError as e:
            self.failed(e)
            return None
        if not self.durable:
            self._recovered()
        return sizes

    def needs_compaction(self, live_bytes: int) -> bool:
        return self.durable and self.file.size > COMPACT_RATIO * live_bytes + COMPACT_SLACK

    def retry_due(self) -> bool:
        return not self.durable and time.monotonic() >= self._retry_at

    def take_findings(self) -> list[Finding]:
        out, self._findings = self._findings, []
        return out

    def close(self) -> None:
        self.file.close()

    # -- state changes -------------------------------------------------------------------------

    def failed(self, error: OSError) -> None:
        self.failures_total += 1
        now = time.monotonic()
        self._retry_at = now + self._retry.delay(self._attempt)
        self._attempt += 1
        self._error = _describe(error)
        if not self.durable:
            if now - self._announced_at >= REANNOUNCE_S:  # a complete batch may have closed it
                self._announce(now)
            if self._log.ready(now):
                log.warning("spool %s: still not durable (%s)", self.file.path, self._error)
            return
        self.durable = False
        self.file.close()
        self._since_ms = now_ms()
        log.warning(
            "spool %s cannot be written (%s): journal records are held in memory only until it "
            "can; retrying from %.0fs, backing off",
            self.file.path,
            self._error,
            self._retry.initial_s,
        )
        with contextlib.suppress(OSError):  # an empty file needs no data block
            os.close(os.open(self.marker, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        self._announce(now)

    def _announce(self, now: float) -> None:
        self._announced_at = now
        self._findings.append(
            _finding(
                NOT_DURABLE,
                f"the agent cannot write its spool file {self.file.path} ({self._error}); "
                "unacknowledged journal records are held in memory only and an agent restart "
                "now would lose them",
                now=self._since_ms,
                resolved=False,
                error=self._error,
            )
        )

    def _recovered(self) -> None:
        self.durable = True
        self._attempt = 0
        log.info(
            "spool %s is durable again (%d failed writes)", self.file.path, self.failures_total
        )
        with contextlib.suppress(OSError):
            self.marker.unlink(missing_ok=True)
        self._findings.append(
            _finding(
                NOT_DURABLE,
                f"the spool file {self.file.path} is written again",
                now=self._since_ms,
                resolved=True,
                error=self._error,
            )
        )

    def cleared_marker(self) -> None:
        """A fresh start wrote the whole spool: the last process's marker has been reported."""
        with contextlib.suppress(OSError):
            self.marker.unlink(missing_ok=True)


def _describe(error: OSError) -> str:
    name = errno.errorcode.get(error.errno or 0, "")
    return f"{name}: {error.strerror}" if name else str(error)


def _finding(reason: str, message: str, *, now: int, resolved: bool, error: str = "") -> Finding:
    seen = now_ms()
    return Finding(
        fingerprint=f"agent-{reason}",
        reason=reason,
        severity=Severity.WARNING,
        category="agent",
        subject=SUBJECT,
        message=message,
        first_seen_ms=min(now, seen),
        last_seen_ms=seen,
        resolved=resolved,
        attrs={"error": error} if error else {},
    )
