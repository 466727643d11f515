"""What every audit entry made while serving an HTTP request records about that request, without
each route passing it along: the trace id, the caller's address and user agent, the method and
path, and (once authenticated) the principal's kind, role and groups.

One mutable dict per request in a contextvar: the gateway's outermost middleware begins it, the
permission check notes the principal, and ``AuditEntry`` takes a snapshot when it is made. Outside
a request (the CLI, an agent's journal) there is none and entries carry only what they say."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "lookout_audit_context", default=None
)


@contextmanager
def request(**fields: Any) -> Iterator[None]:
    """The audit context of one request, for the code run inside this block."""
    token = _CURRENT.set(dict(fields))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def note(**fields: Any) -> None:
    """Add to the current request's context (no-op outside a request)."""
    current = _CURRENT.get()
    if current is not None:
        current.update(fields)


def snapshot() -> dict[str, Any]:
    current = _CURRENT.get()
    return dict(current) if current is not None else {}
