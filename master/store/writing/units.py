"""What the writer applies: units of work, and the batches units of one kind share.

A unit of work is one caller's write. It says roughly how many rows it writes (what it costs
against the writer's queue and batch budgets) and applies itself on a synchronous connection
inside the writer's group transaction, off the event loop (SQLite: the writer's own thread),
so it must use only that connection and the values it holds.

Units of one kind that gain from sharing statements across callers (journal commits: one
``executemany`` per table for the whole group) name a ``batch_kind``. The writer keeps one batch
of each kind per group transaction, hands it to each such unit to stage into, and flushes it
before any unit of another kind runs and at the end of the group, so statements still land in
queue order. Everything else is a plain unit (``batch_kind`` None), typically a :class:`Call`.

Does not own: queueing, grouping or committing (``writer``), nor any statement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Batch(Protocol):
    """Rows staged by several units of one kind within one group transaction."""

    def flush(self, conn: Connection) -> None:
        """Write everything staged so far; the batch stays usable for later units."""
        ...


BatchKind = Callable[[], Batch]  # opens an empty batch; also the key units of one kind share


class UnitOfWork(Protocol[T_co]):
    """One caller's write; its result reaches the caller once the group transaction committed."""

    @property
    def rows(self) -> int:
        """Roughly the rows it writes (at least 1): its weight against the writer's budgets."""
        ...

    @property
    def batch_kind(self) -> BatchKind | None:
        """None: applied alone at its place in the queue. Otherwise the kind of batch it stages
        into, shared with the other units of that kind in the same group."""
        ...

    def apply(self, conn: Connection, batch: Batch | None) -> T_co:
        """Write on ``conn`` (the group's transaction), or stage into ``batch`` (an instance of
        ``batch_kind``, or None for a plain unit)."""
        ...


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """A plain function of the connection as a one-row unit: the repositories' usual write."""

    work: Callable[[Connection], T]
    rows: int = 1
    batch_kind: None = None

    def apply(self, conn: Connection, batch: Batch | None) -> T:
        return self.work(conn)
