"""Which responses are bad. Controllers spell status differently -- ``503`` (nginx, Traefik,
Caddy), ``5xx`` (HAProxy), ``5`` (Envoy's response code class) -- so everything is reduced to
a class like ``5xx`` before matching. A matcher entry is either a class (``5xx``) or an exact
code (``429``), so "5xx and 429" is configurable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_BAD: tuple[str, ...] = ("5xx",)


def status_class(status: str) -> str:
    s = status.strip().lower()
    if len(s) == 1 and s.isdigit():
        return f"{s}xx"
    if len(s) == 3 and s[0].isdigit():
        return f"{s[0]}xx"
    return s  # "other", "0", "" -- never bad unless named


@dataclass(frozen=True, slots=True)
class BadStatuses:
    entries: frozenset[str]

    @classmethod
    def of(cls, entries: Iterable[str] = DEFAULT_BAD) -> BadStatuses:
        return cls(frozenset(e.strip().lower() for e in entries))

    def __call__(self, status: str) -> bool:
        s = status.strip().lower()
        return s in self.entries or status_class(s) in self.entries
