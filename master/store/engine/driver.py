"""Hot statements at the driver level: compiled once per dialect, run on the DB-API cursor.

SQLAlchemy Core spends several times more CPU per statement (building the statement, its cache
key, parameter and result processing) than the same statement costs on the DB-API cursor
(figures: ``bench/README.md``). The writer's hot paths (journal commits, command writes, audit
entries) therefore build their statements once, as module constants wrapped in
:class:`Prepared`, compile them once per (dialect, parameter keys) and hand plain tuples to the
driver.

Only for plain columns (ints, strings, floats, bools, NULL): nothing here runs SQLAlchemy's type
processors, so JSON, enum or datetime columns must not go this way (the store has none). No
expanding IN lists either: their SQL depends on the number of values.

``execute(conn, prepared, params)`` keeps the DB-API's positional order (connection,
statement, parameters) on purpose: every hot write calls it, and the order is the convention."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import ClauseElement

_Key = tuple[str, tuple[str, ...]]  # (dialect name, parameter keys in the caller's order)


class Prepared:
    """A statement built once, with its SQL per dialect and parameter keys."""

    __slots__ = ("_sql", "stmt")

    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        self._sql: dict[_Key, tuple[str, tuple[str, ...]]] = {}

    def sql(self, conn: Connection, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """(SQL text, bind names in positional order) for ``conn``'s dialect."""
        dialect = conn.dialect
        hit = self._sql.get((dialect.name, keys))
        if hit is None:
            compiled = self.stmt.compile(dialect=dialect, column_keys=list(keys))
            order = getattr(compiled, "positiontup", None)
            if order is None:
                raise TypeError(f"{dialect.name}: driver-level statements need a positional style")
            hit = self._sql[(dialect.name, keys)] = (str(compiled), tuple(order))
        return hit


@dataclass(frozen=True, slots=True)
class Done:
    rowcount: int
    lastrowid: int | None  # the new row's id after an INSERT into a table with one


def execute(conn: Connection, prepared: Prepared, params: Mapping[str, Any]) -> Done:
    """Run one statement."""
    sql, order = prepared.sql(conn, tuple(params))
    cur = _cursor(conn)
    try:
        cur.execute(sql, tuple(params[k] for k in order))
        return Done(int(cur.rowcount), cur.lastrowid)
    finally:
        cur.close()


def executemany(conn: Connection, prepared: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
    """One statement for many rows, which must all have the same keys."""
    if not rows:
        return
    sql, order = prepared.sql(conn, tuple(rows[0]))
    cur = _cursor(conn)
    try:
        cur.executemany(sql, [tuple(r[k] for k in order) for r in rows])
    finally:
        cur.close()


def fetch_all(
    conn: Connection, prepared: Prepared, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """Rows of a SELECT as plain tuples, in the statement's column order."""
    sql, order = prepared.sql(conn, tuple(params))
    cur = _cursor(conn)
    try:
        cur.execute(sql, tuple(params[k] for k in order))
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def fetch_one(
    conn: Connection, prepared: Prepared, params: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    rows = fetch_all(conn, prepared, params)
    return rows[0] if rows else None


def _cursor(conn: Connection) -> Any:
    # The DB-API connection of the transaction SQLAlchemy has open on ``conn``: statements
    # issued here are part of it (committed or rolled back with it).
    dbapi = conn.connection.dbapi_connection
    if dbapi is None:
        raise RuntimeError("the connection is closed")
    return dbapi.cursor()
