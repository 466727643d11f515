"""Registered clusters and their agent tokens (stored hashed; hashing is the caller's job).

Reads go straight to a pooled connection; writes go through the store's writer so they never
contend with journal commits for SQLite's single write lock.

``add``/``set_token`` keep ``(name, token_id, token_hash, now_ms)`` positional for now: the
master's CLI, the test harness and the benchmarks call them that way."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.errors import ClusterExists, UnknownCluster
from master.store.repositories.rows import ClusterRow
from master.store.schema.tables import clusters
from master.store.writing.writer import Writer


def _row(r: Row[Any]) -> ClusterRow:
    return ClusterRow(
        name=r.name,
        created_ms=r.created_ms,
        token_id=r.token_id,
        token_hash=r.token_hash,
        token_created_ms=r.token_created_ms,
        revoked_ms=r.revoked_ms,
    )


class ClusterRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def add(self, name: str, *, token_id: str, token_hash: str, now_ms: int) -> ClusterRow:
        """Register a cluster with its first token. Raises :class:`ClusterExists` if the name or
        the token id is taken."""

        def work(conn: Connection) -> ClusterRow:
            # Checked, not caught from an IntegrityError: the writer is the only writer, so the
            # check cannot race, and a failed statement would sink the shared transaction.
            _refuse_taken(conn, name=name, token_id=token_id)
            row = ClusterRow(
                name=name,
                created_ms=now_ms,
                token_id=token_id,
                token_hash=token_hash,
                token_created_ms=now_ms,
                revoked_ms=None,
            )
            conn.execute(insert(clusters).values(asdict(row)))
            return row

        return await self._writer.run(work)

    async def get(self, name: str) -> ClusterRow | None:
        async with self._engine.connect() as conn:
            r = (await conn.execute(select(clusters).where(clusters.c.name == name))).first()
        return None if r is None else _row(r)

    async def by_token_id(self, token_id: str) -> ClusterRow | None:
        """The cluster owning ``token_id``, revoked or not (the caller decides what revoked
        means)."""
        async with self._engine.connect() as conn:
            r = (
                await conn.execute(select(clusters).where(clusters.c.token_id == token_id))
            ).first()
        return None if r is None else _row(r)

    async def list(self) -> list[ClusterRow]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(select(clusters).order_by(clusters.c.name))
            return [_row(r) for r in rows]

    async def set_token(self, name: str, *, token_id: str, token_hash: str, now_ms: int) -> None:
        """Rotate the cluster's token (the old one stops working at once) and clear a
        revocation. Raises :class:`UnknownCluster` or :class:`ClusterExists` (token id taken)."""

        def work(conn: Connection) -> None:
            hit = conn.execute(select(clusters.c.name).where(clusters.c.name == name))
            if hit.first() is None:
                raise UnknownCluster(f"no cluster named {name!r}")
            _refuse_taken(conn, token_id=token_id, except_name=name)
            conn.execute(
                update(clusters)
                .where(clusters.c.name == name)
                .values(
                    token_id=token_id,
                    token_hash=token_hash,
                    token_created_ms=now_ms,
                    revoked_ms=None,
                )
            )

        await self._writer.run(work)

    async def revoke(self, name: str, now_ms: int) -> None:
        """Revoke the cluster's token; its agent is refused from now on. Raises
        :class:`UnknownCluster`. Revoking twice keeps the first revocation time."""

        def work(conn: Connection) -> None:
            found = conn.execute(
                select(clusters.c.revoked_ms).where(clusters.c.name == name)
            ).first()
            if found is None:
                raise UnknownCluster(f"no cluster named {name!r}")
            if found.revoked_ms is None:
                conn.execute(
                    update(clusters).where(clusters.c.name == name).values(revoked_ms=now_ms)
                )

        await self._writer.run(work)


def _refuse_taken(
    conn: Connection, *, token_id: str, name: str | None = None, except_name: str | None = None
) -> None:
    if name is not None:
        hit = conn.execute(select(clusters.c.name).where(clusters.c.name == name))
        if hit.first() is not None:
            raise ClusterExists(f"a cluster named {name!r} already exists")
    owner = conn.execute(select(clusters.c.name).where(clusters.c.token_id == token_id)).first()
    if owner is not None and owner.name != except_name:
        raise ClusterExists(f"token id {token_id!r} is already in use")
