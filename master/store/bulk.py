"""executemany without SQLAlchemy's per-row parameter processing, for the journal's hot inserts.

SQLAlchemy builds a parameter dict per row and runs bind processors on it (~25 us/row, a third
of the journal write path). For plain columns (ints, strings, floats, bools) no processing is
needed, so the statement is compiled once per (statement, dialect, keys) and the rows go to the
driver as tuples. Only for tables without JSON/enum/datetime columns (checked by the callers'
schema; the journal tables qualify)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import UpdateBase

_Compiled = tuple[str, tuple[str, ...]]
_CACHE: dict[tuple[int, str, tuple[str, ...]], _Compiled] = {}


def _compiled(stmt: UpdateBase, dialect: Any, keys: tuple[str, ...]) -> _Compiled:
    key = (id(stmt), dialect.name, keys)
    hit = _CACHE.get(key)
    if hit is None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
        order = compiled.positiontup
        if order is None:  # a non-positional paramstyle: let SQLAlchemy do it
            raise TypeError(f"{dialect.name} is not positional")
        hit = _CACHE[key] = (str(compiled), tuple(order))
    return hit


async def executemany(
    conn: AsyncConnection, stmt: UpdateBase, rows: Sequence[Mapping[str, Any]]
) -> None:
    """``conn.execute(stmt, rows)`` for rows that all have the same keys, minus the per-row
    parameter processing."""
    if not rows:
        return
    dialect = conn.dialect
    keys = tuple(rows[0])
    if any(len(r) != len(keys) for r in rows):  # rows of different shapes: the generic path
        await conn.execute(stmt, list(rows))
        return
    try:
        sql, order = _compiled(stmt, dialect, keys)
    except TypeError:
        await conn.execute(stmt, list(rows))
        return
    await conn.exec_driver_sql(sql, [tuple(r[k] for k in order) for r in rows])
