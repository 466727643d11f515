"""Small wording helpers for finding messages. Owns English number agreement only; messages
are read by people and quoted verbatim in notifications, so "1 restarts" is a visible bug."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """``1 restart``, ``5 restarts``, ``0 restarts``: the noun agrees with the number."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
