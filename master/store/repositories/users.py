"""Dashboard users (for the gateway's login): username, password hash, role, disabled flag.

Hashing and role semantics belong to the gateway; this only stores them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.errors import UserExists
from master.store.repositories.conversions import new_id
from master.store.repositories.rows import UserRow
from master.store.schema.tables import users
from master.store.writing.writer import Writer


def _row(r: Row[Any]) -> UserRow:
    return UserRow(
        id=r.id,
        username=r.username,
        password_hash=r.password_hash,
        role=r.role,
        created_ms=r.created_ms,
        disabled=bool(r.disabled),
        must_change=bool(r.must_change),
    )


class UserRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def add(
        self,
        username: str,
        *,
        password_hash: str,
        role: str,
        now_ms: int,
        must_change: bool = False,
    ) -> UserRow:
        """Create a user; raises :class:`UserExists` if the username is taken."""

        def work(conn: Connection) -> UserRow:
            hit = conn.execute(select(users.c.id).where(users.c.username == username))
            if hit.first() is not None:
                raise UserExists(f"a user named {username!r} already exists")
            result = conn.execute(
                insert(users).values(
                    username=username,
                    password_hash=password_hash,
                    role=role,
                    created_ms=now_ms,
                    disabled=False,
                    must_change=must_change,
                )
            )
            return UserRow(
                id=new_id(result.inserted_primary_key),
                username=username,
                password_hash=password_hash,
                role=role,
                created_ms=now_ms,
                disabled=False,
                must_change=must_change,
            )

        return await self._writer.run(work)

    async def get(self, username: str) -> UserRow | None:
        async with self._engine.connect() as conn:
            r = (await conn.execute(select(users).where(users.c.username == username))).first()
        return None if r is None else _row(r)

    async def list(self) -> list[UserRow]:
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(select(users).order_by(users.c.username))]

    async def update(
        self,
        username: str,
        *,
        password_hash: str | None = None,
        role: str | None = None,
        disabled: bool | None = None,
        must_change: bool | None = None,
    ) -> bool:
        """Change the given fields; returns False if there is no such user."""
        values: dict[str, Any] = {
            k: v
            for k, v in {
                "password_hash": password_hash,
                "role": role,
                "disabled": disabled,
                "must_change": must_change,
            }.items()
            if v is not None
        }

        def work(conn: Connection) -> bool:
            hit = conn.execute(select(users.c.id).where(users.c.username == username))
            if hit.first() is None:
                return False
            if values:
                conn.execute(update(users).where(users.c.username == username).values(values))
            return True

        return await self._writer.run(work)
