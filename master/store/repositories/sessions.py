"""Refresh-token sessions. A login starts a *family*; each refresh marks the presented token
used and adds its successor to the family, in one transaction. Presenting a token that was
already used (a stolen copy replayed, or the thief's copy after the owner refreshed) revokes
the whole family: whoever holds the newest token must log in again (reuse detection, as in
OAuth 2.0 Security BCP §4.14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.rows import LoginSessionRow
from master.store.schema.tables import auth_sessions
from master.store.writing.writer import Writer


@dataclass(frozen=True, slots=True)
class Rotation:
    """What presenting a refresh token did."""

    session: LoginSessionRow | None  # the family's state after the call; None: unknown token
    reused: bool = False  # the token was already used: the family is now revoked


def _row(r: Row[Any]) -> LoginSessionRow:
    return LoginSessionRow(
        family=r.family,
        username=r.username,
        groups=tuple(orjson.loads(r.groups_json)),
        created_ms=r.created_ms,
        expires_ms=r.expires_ms,
        used_ms=r.used_ms,
        revoked_ms=r.revoked_ms,
    )


class SessionRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def start(
        self,
        *,
        token_hash: str,
        family: str,
        username: str,
        groups: tuple[str, ...],
        now_ms: int,
        expires_ms: int,
    ) -> None:
        def work(conn: Connection) -> None:
            conn.execute(
                insert(auth_sessions).values(
                    token_hash=token_hash,
                    family=family,
                    username=username,
                    groups_json=orjson.dumps(list(groups)).decode(),
                    created_ms=now_ms,
                    expires_ms=expires_ms,
                )
            )

        await self._writer.run(work)

    async def rotate(
        self, token_hash: str, *, successor_hash: str, now_ms: int, expires_ms: int
    ) -> Rotation:
        """Use the refresh token with digest ``token_hash`` once: on success its successor
        joins the family. The family's absolute expiry never moves (``expires_ms`` caps it)."""

        def work(conn: Connection) -> Rotation:
            t = auth_sessions
            r = conn.execute(select(t).where(t.c.token_hash == token_hash)).first()
            if r is None:
                return Rotation(None)
            if r.used_ms is not None:  # replayed: end the family, whoever holds it now
                _revoke(conn, t.c.family == r.family, now_ms)
                return Rotation(_row(r), reused=True)
            if r.revoked_ms is not None or r.expires_ms <= now_ms:
                return Rotation(_row(r))
            conn.execute(update(t).where(t.c.id == r.id).values(used_ms=now_ms))
            conn.execute(
                insert(t).values(
                    token_hash=successor_hash,
                    family=r.family,
                    username=r.username,
                    groups_json=r.groups_json,
                    created_ms=now_ms,
                    expires_ms=min(expires_ms, r.expires_ms),
                )
            )
            fresh = conn.execute(select(t).where(t.c.token_hash == successor_hash)).one()
            return Rotation(_row(fresh))

        return await self._writer.run(work)

    async def family(self, family: str) -> LoginSessionRow | None:
        """The family's newest row (revoked_ms set once the family is revoked)."""
        t = auth_sessions
        q = select(t).where(t.c.family == family).order_by(t.c.id.desc()).limit(1)
        async with self._engine.connect() as conn:
            r = (await conn.execute(q)).first()
        return None if r is None else _row(r)

    async def revoke_family(self, family: str, now_ms: int) -> None:
        def work(conn: Connection) -> None:
            _revoke(conn, auth_sessions.c.family == family, now_ms)

        await self._writer.run(work)

    async def revoke_user(self, username: str, now_ms: int) -> None:
        def work(conn: Connection) -> None:
            _revoke(conn, auth_sessions.c.username == username, now_ms)

        await self._writer.run(work)


def _revoke(conn: Connection, where: Any, now_ms: int) -> None:
    t = auth_sessions
    conn.execute(update(t).where(where, t.c.revoked_ms.is_(None)).values(revoked_ms=now_ms))
