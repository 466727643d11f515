"""The audit chain's head row: locked by every audit write and retention chunk, advanced by
writes, raised by retention (which removes entries only from the front, so the chain stays
verifiable after it).

Serialising: SQLite has one writer (the store's writer thread, ``BEGIN IMMEDIATE``), but two
masters on one MariaDB each have theirs, and two writes that both read the same newest entry
would fork the chain. Every audit write therefore starts with ``SELECT ... FOR UPDATE`` on the
one ``audit_head`` row, held to its commit. Chosen over locking the newest ``audit_log`` row
because that row does not exist in an empty log, and under READ COMMITTED InnoDB takes no gap
locks, so two writers could both see "no entry" (or the same last one) and chain from it; the
head row always exists, locks the same way at every isolation level, and also records the
newest id and hash, which is what lets a verifier notice entries cut off the end. (SQLite's
dialect leaves ``FOR UPDATE`` out; its write lock already covers the transaction.)"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from master.audit.chain import Head
from master.store.engine import driver
from master.store.engine.driver import Prepared
from master.store.schema.tables import audit_head, audit_log

log = logging.getLogger(__name__)

HEAD_ID = 1
_h = audit_head.c
_lock_head = Prepared(
    select(_h.floor_id, _h.floor_hash, _h.last_id, _h.last_hash)
    .where(_h.id == bindparam("id"))
    .with_for_update()
)
_insert_head = Prepared(insert(audit_head))
_update_head = Prepared(update(audit_head).where(_h.id == bindparam("b_id")))
_max_id = Prepared(select(func.max(audit_log.c.id)))


def lock_head(conn: Connection) -> Head:
    """The head, locked until ``conn``'s transaction ends."""
    found = driver.fetch_one(conn, _lock_head, {"id": HEAD_ID})
    if found is not None:
        return Head(floor_id=found[0], floor_hash=found[1], last_id=found[2], last_hash=found[3])
    return _recreate_head(conn)


def _recreate_head(conn: Connection) -> Head:
    # Migration 4 creates the row; only a hand-emptied table lacks it. Rebuilt from the log as
    # it stands, so writes go on; a second master racing here fails on the primary key and its
    # write is retried by the writer, which then finds the row.
    t = audit_log.c
    first = conn.execute(select(t.id, t.prev_hash).order_by(t.id).limit(1)).first()
    last = conn.execute(select(t.id, t.entry_hash).order_by(t.id.desc()).limit(1)).first()
    head = Head()
    if first is not None and last is not None:
        head = Head(floor_id=first[0], floor_hash=first[1], last_id=last[0], last_hash=last[1])
        log.warning("the audit head was missing; rebuilt from the log up to entry %d", last[0])
    driver.execute(conn, _insert_head, {"id": HEAD_ID} | _head_values(head))
    return head


def _head_values(head: Head) -> dict[str, object]:
    return {
        "floor_id": head.floor_id,
        "floor_hash": head.floor_hash,
        "last_id": head.last_id,
        "last_hash": head.last_hash,
    }


def next_id(conn: Connection, head: Head) -> int:
    """The id the next entry takes: after the head's, and after any row written past it (one
    inserted behind the store's back: the chain then shows it, instead of every later audit
    write failing on its primary key)."""
    highest = driver.fetch_one(conn, _max_id, {})
    return max(head.last_id, int(highest[0] or 0) if highest else 0) + 1


def advance_head(conn: Connection, *, last_id: int, last_hash: str) -> None:
    driver.execute(
        conn, _update_head, {"b_id": HEAD_ID, "last_id": last_id, "last_hash": last_hash}
    )


def purge_front(conn: Connection, *, cutoff: int, limit: int) -> int:
    """Delete up to ``limit`` of the oldest entries, while each is older than ``cutoff``, and
    raise the head's floor past them; returns how many went.

    Only from the front, in id order: ``at_ms`` is not monotonic in id (command outcomes carry
    the agent's clock), and a hole punched in the middle would be indistinguishable from a
    deleted entry. An old entry behind a newer one waits until that one's turn."""
    lock_head(conn)
    t = audit_log.c
    rows = conn.execute(select(t.id, t.at_ms, t.entry_hash).order_by(t.id).limit(limit)).all()
    old = 0
    while old < len(rows) and rows[old].at_ms < cutoff:
        old += 1
    if not old:
        return 0
    last = rows[old - 1]
    deleted = int(conn.execute(delete(audit_log).where(t.id <= last.id)).rowcount)
    conn.execute(
        update(audit_head)
        .where(_h.id == HEAD_ID)
        .values(floor_id=last.id + 1, floor_hash=last.entry_hash)
    )
    return deleted


def read_head(conn: Connection) -> Head | None:
    found = conn.execute(
        select(_h.floor_id, _h.floor_hash, _h.last_id, _h.last_hash).where(_h.id == HEAD_ID)
    ).first()
    if found is None:
        return None
    return Head(floor_id=found[0], floor_hash=found[1], last_id=found[2], last_hash=found[3])
