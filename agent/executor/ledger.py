"""The command journal: which mutating commands this agent started and how they ended, on disk,
so an agent restart never runs one twice.

The executor writes an entry for a command (its id and idempotency key) and waits for the
fsync *before* the command acts, and another with its outcome when it ends. A restarted agent
reads the file back: a command that started and never ended is reported ``failed`` /
``interrupted`` (it may have done part of its work; running it again could undo or repeat it),
one that ended answers a re-delivery with its recorded outcome. Read-only commands are not
journaled: running one again is harmless and gives a fresh answer.

Format: one JSON object per line, appended and fsynced: ``{"id", "key", "until"}`` when a
command starts, the same plus ``"outcome"`` when it ends. A torn last line (a crash mid-write)
is ignored. Bounded: an entry expires at ``until`` (the command's deadline plus
``EXPIRY_GRACE_MS``: after its deadline the master never sends a command again and the executor
refuses it anyway), at most ``max_entries`` ended ones are kept, and the file is rewritten with
only the live entries when dead lines outnumber them. Results above ``RESULT_KEEP_BYTES`` are not
kept (the outcome's state and message are). The file is created ``0600`` in the spool's
directory (``0700``).

Blocking: every method does file I/O; the executor calls them in a thread (``asyncio.to_thread``),
so one lock serialises them. Deliberately does not decide what to report (``running``)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from shared.domain.commands import CommandState
from shared.files import replace_file

log = logging.getLogger(__name__)

EXPIRY_GRACE_MS = 10 * 60_000  # clock steps and the master's running grace fit well inside
NO_DEADLINE_KEEP_MS = 24 * 3600_000  # a command without a deadline is remembered a day
RESULT_KEEP_BYTES = 64 * 1024
_DIR_MODE, _FILE_MODE = 0o700, 0o600


@dataclass(frozen=True, slots=True)
class Outcome:
    state: CommandState
    message: str
    code: str = ""
    result_json: bytes = b""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    key: str
    until_ms: int
    outcome: Outcome | None = None  # None: started, never ended


def expiry(deadline_ms: int, now_ms: int) -> int:
    """When an entry for a command with this deadline may be forgotten."""
    return (deadline_ms or now_ms + NO_DEADLINE_KEEP_MS) + EXPIRY_GRACE_MS


class Ledger:
    def __init__(self, path: Path, *, max_entries: int) -> None:
        self.path = path
        self._max = max_entries
        self._live: OrderedDict[str, Entry] = OrderedDict()
        self._lines = 0
        self._fd: int | None = None
        self._torn = False  # a failed append may have left a partial last line
        self._lock = threading.Lock()

    def load(self, now_ms: int) -> list[Entry]:
        """The unexpired entries the last process left (oldest first), and a compact file.
        Raises OSError when the file exists but cannot be read."""
        with self._lock:
            self.path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            self._live.clear()
            if self.path.exists():
                for raw in self.path.read_bytes().splitlines():
                    if not raw.strip():
                        continue
                    entry = _parse(raw)
                    if entry is None:
                        log.warning("command journal %s: skipping an unreadable line", self.path)
                        continue
                    self._live.pop(entry.id, None)
                    self._live[entry.id] = entry
            for cid in [cid for cid, e in self._live.items() if e.until_ms < now_ms]:
                del self._live[cid]
            self._bound()
            try:
                self._rewrite()
            except OSError as e:  # the entries are read; appends will say if the disk is bad
                log.warning("command journal %s: cannot compact it: %s", self.path, e)
            return list(self._live.values())

    def started(self, entry: Entry) -> None:
        """Durably record that a command is about to act (raises OSError: then it must not)."""
        with self._lock:
            self._append(entry)

    def finished(self, entry: Entry) -> None:
        """Record how a command ended; a disk error is logged (the next process would then
        report the command as interrupted, after the real outcome already went up)."""
        with self._lock:
            try:
                self._append(entry)
            except OSError as e:
                log.warning(
                    "command journal %s: cannot record %s's outcome: %s", self.path, entry.id, e
                )
                return
            self._bound()
            if self._lines > 2 * len(self._live) + 64:
                with contextlib.suppress(OSError):  # compaction can wait for a better moment
                    self._rewrite()

    def close(self) -> None:
        with self._lock:
            self._close()

    # -- file ----------------------------------------------------------------------------------

    def _append(self, entry: Entry) -> None:
        if self._fd is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self.path, flags, _FILE_MODE)
        # After a failed append the file may end in a partial line: start on a fresh one.
        line = b"\n" + _dump(entry) if self._torn else _dump(entry)
        try:
            _write_all(self._fd, line)
            os.fsync(self._fd)
        except OSError:
            self._torn = True
            self._close()
            with contextlib.suppress(OSError):  # a compact copy, if the disk takes one
                self._rewrite()
            raise
        self._torn = False
        self._lines += 1
        self._live.pop(entry.id, None)
        self._live[entry.id] = entry

    def _bound(self) -> None:
        ended = [cid for cid, e in self._live.items() if e.outcome is not None]
        for cid in ended[: max(0, len(ended) - self._max)]:
            del self._live[cid]

    def _rewrite(self) -> None:
        self._close()
        replace_file(
            self.path,
            lambda: b"".join(_dump(e) for e in self._live.values()),
            mode=_FILE_MODE,
            write_all=_write_all,
        )
        self._lines = len(self._live)
        self._torn = False

    def _close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    written = os.write(fd, data)
    while written < len(data):
        data = data[written:]
        written = os.write(fd, data)


def _dump(entry: Entry) -> bytes:
    doc: dict[str, Any] = {"id": entry.id, "key": entry.key, "until": entry.until_ms}
    if entry.outcome is not None:
        o = entry.outcome
        kept = len(o.result_json) <= RESULT_KEEP_BYTES
        doc["outcome"] = {
            "state": o.state.value,
            "message": o.message,
            "code": o.code,
            "result": o.result_json.decode() if kept else None,
        }
        if not kept:
            doc["outcome"]["result_dropped"] = True
    return orjson.dumps(doc) + b"\n"


def _parse(raw: bytes) -> Entry | None:
    try:
        doc = orjson.loads(raw)
        outcome = None
        if (o := doc.get("outcome")) is not None:
            message = str(o["message"])
            result = b"" if o.get("result") is None else str(o["result"]).encode()
            if o.get("result_dropped"):
                message += " (its result was too large to keep across an agent restart)"
            outcome = Outcome(CommandState(o["state"]), message, str(o.get("code", "")), result)
        return Entry(str(doc["id"]), str(doc.get("key", "")), int(doc["until"]), outcome)
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None
