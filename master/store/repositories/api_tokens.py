"""API tokens for automation: the digest of the secret part, who owns and made each token, its
expiry, last use and revocation. The secret itself is never stored (shown once at creation)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.conversions import new_id
from master.store.repositories.rows import ApiTokenRow
from master.store.schema.tables import api_tokens
from master.store.writing.writer import Writer


def _row(r: Row[Any]) -> ApiTokenRow:
    return ApiTokenRow(
        id=r.id,
        token_id=r.token_id,
        token_hash=r.token_hash,
        name=r.name,
        owner=r.owner,
        owner_kind=r.owner_kind,
        created_by=r.created_by,
        created_ms=r.created_ms,
        expires_ms=r.expires_ms,
        last_used_ms=r.last_used_ms,
        revoked_ms=r.revoked_ms,
    )


class ApiTokenRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def add(
        self,
        *,
        token_id: str,
        token_hash: str,
        name: str,
        owner: str,
        owner_kind: str,
        created_by: str,
        now_ms: int,
        expires_ms: int | None,
    ) -> ApiTokenRow:
        values: dict[str, Any] = {
            "token_id": token_id,
            "token_hash": token_hash,
            "name": name,
            "owner": owner,
            "owner_kind": owner_kind,
            "created_by": created_by,
            "created_ms": now_ms,
            "expires_ms": expires_ms,
            "last_used_ms": None,
            "revoked_ms": None,
        }

        def work(conn: Connection) -> ApiTokenRow:
            result = conn.execute(insert(api_tokens).values(**values))
            return ApiTokenRow(id=new_id(result.inserted_primary_key), **values)

        return await self._writer.run(work)

    async def get(self, token_id: str) -> ApiTokenRow | None:
        t = api_tokens
        async with self._engine.connect() as conn:
            r = (await conn.execute(select(t).where(t.c.token_id == token_id))).first()
        return None if r is None else _row(r)

    async def list(self, *, owner: str | None = None) -> list[ApiTokenRow]:
        t = api_tokens
        q = select(t).order_by(t.c.id)
        if owner is not None:
            q = q.where(t.c.owner == owner)
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def revoke(self, token_id: str, now_ms: int) -> bool:
        """Revoke one token (idempotent); False if there is no such token."""

        def work(conn: Connection) -> bool:
            t = api_tokens
            found = conn.execute(select(t.c.revoked_ms).where(t.c.token_id == token_id)).first()
            if found is None:
                return False
            if found.revoked_ms is None:
                conn.execute(update(t).where(t.c.token_id == token_id).values(revoked_ms=now_ms))
            return True

        return await self._writer.run(work)

    async def revoke_owned(self, owner: str, now_ms: int) -> int:
        def work(conn: Connection) -> int:
            t = api_tokens
            q = (
                update(t)
                .where(t.c.owner == owner, t.c.owner_kind == "user", t.c.revoked_ms.is_(None))
                .values(revoked_ms=now_ms)
            )
            return int(conn.execute(q).rowcount)

        return await self._writer.run(work)

    async def touch(self, token_id: str, now_ms: int) -> None:
        """Record a use (callers throttle this: one write per token per minute is plenty)."""

        def work(conn: Connection) -> None:
            t = api_tokens
            conn.execute(update(t).where(t.c.token_id == token_id).values(last_used_ms=now_ms))

        await self._writer.run(work)
