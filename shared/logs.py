"""Logging, configured once per process: text or JSON lines, with context from contextvars.

Context (cluster, session, command id) is bound with ``bind(...)`` in a task and appears on
every record that task logs, without threading it through call signatures. Text a peer chose
(an agent's hello, before it is authenticated) goes through ``printable`` first: one line,
bounded, control characters escaped."""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import orjson

# Default None, not {}: a shared mutable default would leak fields between contexts.
_CONTEXT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "lookout_log_context", default=None
)

LogFormat = Literal["text", "json"]


@contextmanager
def bind(**fields: str) -> Iterator[None]:
    """Attach fields to every log record emitted in this context."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def printable(text: str, limit: int = 64) -> str:
    """``text`` fit for one log line: at most ``limit`` characters of it, control and other
    non-printable characters (newlines, ANSI escapes, bidi overrides) escaped as ``repr``
    escapes them, and a note of how much was cut."""
    head = text[:limit]
    escaped = "".join(
        c if c.isprintable() and c != "\\" else c.encode("unicode_escape").decode("ascii")
        for c in head
    )
    if len(text) > limit:
        escaped += f"...(+{len(text) - limit} chars)"
    return escaped


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.ctx = _CONTEXT.get() or {}
        return True


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        ctx: dict[str, str] = getattr(record, "ctx", {})
        if ctx:
            base += " " + " ".join(f"{k}={v}" for k, v in sorted(ctx.items()))
        return base


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "ctx", {}),
        }
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc).decode()


def configure(level: str = "INFO", fmt: LogFormat = "text") -> None:
    """Install one stderr handler on the root logger; safe to call again (replaces it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # grpc and uvicorn chatter at INFO is per-connection; keep it out of operator logs.
    for noisy in ("uvicorn.access", "hpack", "kubernetes.client.rest"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class RateLimited:
    """Lets a repeating log line through at most once per ``every_s`` seconds, counting the rest
    so the next line can say how many were suppressed."""

    def __init__(self, every_s: float) -> None:
        self._every = every_s
        self._last = float("-inf")
        self.suppressed = 0

    def ready(self, now: float) -> bool:
        if now - self._last >= self._every:
            self._last = now
            return True
        self.suppressed += 1
        return False

    def take_suppressed(self) -> int:
        n, self.suppressed = self.suppressed, 0
        return n
