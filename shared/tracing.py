"""The trace id of the work in progress: one per HTTP request (W3C Trace Context's 32 hex
digits, taken from the caller's ``traceparent`` when it sends a valid one), held in a contextvar
so that what the request causes (audit entries, log lines) carries it without threading it
through every signature.

Pure parsing and generation here; the gateway's middleware sets it (``master.gateway.tracing``)."""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

# version "-" trace-id "-" parent-id "-" flags (https://www.w3.org/TR/trace-context/#traceparent-header)
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE = "0" * 32
_INVALID_PARENT = "0" * 16

_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("lookout_trace_id", default="")


def from_traceparent(header: str) -> str | None:
    """The trace id in a ``traceparent`` header, or None when it is not a valid one (the
    all-zero ids and version ff are invalid by the spec; a caller's junk starts a new trace)."""
    m = _TRACEPARENT.match(header.strip().lower())
    if m is None:
        return None
    version, trace, parent, _ = m.groups()
    if version == "ff" or trace == _INVALID_TRACE or parent == _INVALID_PARENT:
        return None
    return trace


def new_trace_id() -> str:
    return secrets.token_hex(16)


def current() -> str:
    """The trace id of this context, "" outside any traced work."""
    return _CURRENT.get()


@contextmanager
def traced(trace_id: str) -> Iterator[None]:
    token = _CURRENT.set(trace_id)
    try:
        yield
    finally:
        _CURRENT.reset(token)
