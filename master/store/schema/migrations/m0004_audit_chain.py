"""Migration 4: the audit log becomes a hash chain (``master.audit.chain``).

FROZEN once released. Adds ``prev_hash`` and ``entry_hash`` to ``audit_log``, chains the rows
already there in id order from the genesis, creates the one-row ``audit_head`` that every audit
write locks and advances, and indexes entries by actor (an operator sees only their own). Each
part checks first, so a step that failed half-way runs again cleanly (MySQL commits DDL at
once); re-chaining is deterministic, so doing it twice writes the same hashes.

The hash itself is imported, not frozen here: the chain is only worth anything if the rows it
writes verify with the code that reads them. The columns get a server default of '' only so
that ``ADD COLUMN ... NOT NULL`` works on a table with rows (SQLite requires one)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from master.audit.chain import GENESIS, Content, entry_hash

PAGE = 1_000  # rows re-chained per round trip

metadata = MetaData()
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at_ms", BigInteger),
    Column("actor", String(128)),
    Column("action", String(64)),
    Column("cluster", String(63)),
    Column("target", String(600)),
    Column("detail_json", String),
    Column("outcome", String(32)),
    Column("prev_hash", String(64)),
    Column("entry_hash", String(64)),
)
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("floor_id", BigInteger, nullable=False),
    Column("floor_hash", String(64), nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)


def _chain_existing(conn: Connection) -> tuple[int, int, str]:
    """Hash every row in id order; returns (first id, last id, last hash), (1, 0, genesis)
    for an empty log."""
    t = audit_log.c
    first, last_id, last_hash, after = 1, 0, GENESIS, 0
    stmt = update(audit_log).where(t.id == bindparam("b_id"))
    while True:
        rows = conn.execute(select(audit_log).where(t.id > after).order_by(t.id).limit(PAGE)).all()
        if not rows:
            return first, last_id, last_hash
        if not last_id:
            first = rows[0].id
        changes = []
        for r in rows:
            content = Content(
                id=r.id,
                at_ms=r.at_ms,
                actor=r.actor,
                action=r.action,
                cluster=r.cluster,
                target=r.target,
                detail_json=r.detail_json,
                outcome=r.outcome,
            )
            digest = entry_hash(last_hash, content)
            changes.append({"b_id": r.id, "prev_hash": last_hash, "entry_hash": digest})
            last_id, last_hash = r.id, digest
        conn.execute(stmt, changes)
        after = last_id


def _upgrade(conn: Connection) -> None:
    insp = inspect(conn)
    have = {c["name"] for c in insp.get_columns("audit_log")}
    for column in ("prev_hash", "entry_hash"):
        if column not in have:
            conn.execute(
                text(f"ALTER TABLE audit_log ADD COLUMN {column} VARCHAR(64) NOT NULL DEFAULT ''")
            )
    if "ix_audit_log_actor" not in {i["name"] for i in insp.get_indexes("audit_log")}:
        conn.execute(text("CREATE INDEX ix_audit_log_actor ON audit_log (actor, id)"))
    audit_head.create(conn, checkfirst=True)
    first, last_id, last_hash = _chain_existing(conn)
    conn.execute(audit_head.delete())
    conn.execute(
        insert(audit_head).values(
            id=1, floor_id=first, floor_hash=GENESIS, last_id=last_id, last_hash=last_hash
        )
    )


async def upgrade(conn: AsyncConnection) -> None:
    await conn.run_sync(_upgrade)
