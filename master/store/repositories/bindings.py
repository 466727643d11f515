"""Role bindings: which role a user, a group or an API token holds, and where. Stored only;
what a role permits is ``master.auth.roles``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.errors import BindingExists
from master.store.repositories.conversions import new_id
from master.store.repositories.rows import BindingRow
from master.store.schema.tables import role_bindings
from master.store.writing.writer import Writer


def _row(r: Row[Any]) -> BindingRow:
    return BindingRow(
        id=r.id,
        subject_kind=r.subject_kind,
        subject=r.subject,
        role=r.role,
        cluster=r.cluster,
        namespace=r.namespace,
        created_ms=r.created_ms,
        created_by=r.created_by,
    )


class BindingRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def add(
        self,
        *,
        subject_kind: str,
        subject: str,
        role: str,
        cluster: str,
        namespace: str,
        created_by: str,
        now_ms: int,
    ) -> BindingRow:
        """Store a binding; raises :class:`BindingExists` for an identical one."""
        values = {
            "subject_kind": subject_kind,
            "subject": subject,
            "role": role,
            "cluster": cluster,
            "namespace": namespace,
        }

        def work(conn: Connection) -> BindingRow:
            t = role_bindings
            same = select(t.c.id).where(*(t.c[k] == v for k, v in values.items()))
            if conn.execute(same).first() is not None:
                raise BindingExists("an identical role binding already exists")
            result = conn.execute(
                insert(t).values(**values, created_ms=now_ms, created_by=created_by)
            )
            return BindingRow(
                id=new_id(result.inserted_primary_key),
                created_ms=now_ms,
                created_by=created_by,
                **values,
            )

        return await self._writer.run(work)

    async def list(
        self, *, subject_kind: str | None = None, subject: str | None = None
    ) -> list[BindingRow]:
        t = role_bindings
        q = select(t).order_by(t.c.id)
        if subject_kind is not None:
            q = q.where(t.c.subject_kind == subject_kind)
        if subject is not None:
            q = q.where(t.c.subject == subject)
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def remove(self, binding_id: int) -> BindingRow | None:
        """Delete one binding; returns it, or None if there was none with that id."""

        def work(conn: Connection) -> BindingRow | None:
            t = role_bindings
            found = conn.execute(select(t).where(t.c.id == binding_id)).first()
            if found is None:
                return None
            conn.execute(delete(t).where(t.c.id == binding_id))
            return _row(found)

        return await self._writer.run(work)

    async def remove_subject(self, subject_kind: str, subject: str) -> int:
        def work(conn: Connection) -> int:
            t = role_bindings
            q = delete(t).where(t.c.subject_kind == subject_kind, t.c.subject == subject)
            return int(conn.execute(q).rowcount)

        return await self._writer.run(work)
